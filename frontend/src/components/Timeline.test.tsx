import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { Timeline } from './Timeline';
import { applyEvents, createRunView } from '../lib/runState';
import { hpcGraph, hpcRunEvents, makeRun, runEvents } from '../test/fixtures';

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

  it('has no waiting segments or legend for thread steps', () => {
    render(<Timeline view={view} selected={null} onSelect={() => {}} />);
    expect(screen.queryByTestId('segment-s1-1-waiting')).toBeNull();
    expect(screen.queryByTestId('timeline-legend')).toBeNull();
  });

  it('reports clicks on a row', () => {
    let clicked = '';
    render(<Timeline view={view} selected={null} onSelect={(id) => (clicked = id)} />);
    fireEvent.click(screen.getByTestId('timeline-row-s3'));
    expect(clicked).toBe('s3');
  });
});

describe('Timeline with HPC backends', () => {
  const view = applyEvents(createRunView(makeRun({ graph: hpcGraph, steps: [] })), hpcRunEvents());

  it('draws the wait inside the pilot or cluster apart from the execution, with a legend', () => {
    render(<Timeline view={view} selected={null} onSelect={() => {}} />);
    const wait = screen.getByTestId('segment-s1-1-waiting');
    expect(wait.className).toContain('tl-waiting');
    expect(wait.title).toContain('waiting in radical: 4 s');
    expect(screen.getByTestId('segment-s2-1-waiting').title).toContain('waiting in dask: 1.5 s');
    const run = screen.getByTestId('segment-s1-1-running');
    expect(run.getAttribute('data-state')).toBe('succeeded');
    // Origin 0 s, last segment ends at 13 s: waiting 1 → 5 s, executing 5 → 8 s.
    expect(parseFloat(wait.style.left)).toBeCloseTo((1 / 13) * 100, 1);
    expect(parseFloat(wait.style.width)).toBeCloseTo((4 / 13) * 100, 1);
    expect(parseFloat(run.style.left)).toBeCloseTo((5 / 13) * 100, 1);
    expect(parseFloat(run.style.width)).toBeCloseTo((3 / 13) * 100, 1);
    expect(screen.queryByTestId('segment-s3-1-waiting')).toBeNull();
    expect(screen.getByTestId('timeline-legend').textContent).toContain('waiting in backend');
  });
});
