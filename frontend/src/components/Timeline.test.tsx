import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { Timeline } from './Timeline';
import { applyEvents, createRunView } from '../lib/runState';
import { makeRun, runEvents } from '../test/fixtures';

describe('Timeline', () => {
  const view = applyEvents(createRunView(makeRun()), runEvents());

  it('renders a row per step with its state and a bar part per attempt segment', () => {
    render(<Timeline view={view} selected={null} onSelect={() => {}} />);
    for (const id of ['s1', 's2', 's3', 's4']) {
      const row = screen.getByTestId(`timeline-row-${id}`);
      expect(row.getAttribute('data-state')).toBe('succeeded');
    }
    expect(screen.getByTestId('timeline-row-s2').textContent).toContain('Simulate');
    const failed = screen.getByTestId('segment-s2-1-running');
    expect(failed.getAttribute('data-state')).toBe('failed');
    expect(screen.getByTestId('segment-s2-2-running').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('segment-s2-2-queued')).toBeTruthy();
    // s1 ran from 0.5 s to 2.5 s after run start (0.1 s); the last segment ends at 9.1 s
    const s1 = screen.getByTestId('segment-s1-1-running');
    expect(parseFloat(s1.style.left)).toBeCloseTo((0.5 / 9.1) * 100, 1);
    expect(parseFloat(s1.style.width)).toBeCloseTo((2 / 9.1) * 100, 1);
  });

  it('reports clicks on a row', () => {
    let clicked = '';
    render(<Timeline view={view} selected={null} onSelect={(id) => (clicked = id)} />);
    fireEvent.click(screen.getByTestId('timeline-row-s3'));
    expect(clicked).toBe('s3');
  });
});
