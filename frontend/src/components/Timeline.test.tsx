import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/react';
import { Timeline } from './Timeline';
import { applyEvents, createRunView } from '../lib/runState';
import { hpcGraph, hpcRunEvents, makeRun, runEvents } from '../test/fixtures';
import type { RunEvent } from '../lib/types';

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

describe('Timeline of a large run', () => {
  // 300 steps: the first 200 in 4 blocks of 50, then 100 loose ones; `fan` is a for_each of 3 items.
  const steps = Array.from({ length: 300 }, (_, i) => ({
    id: `s${i}`,
    name: `Step ${i}`,
    kind: 'function' as const,
    ...(i < 200 ? { block: `b${Math.floor(i / 50)}` } : {}),
  }));
  steps[250] = { ...steps[250], id: 'fan', name: 'Fan out' };
  const graph = {
    steps,
    edges: [],
    blocks: [0, 1, 2, 3].map((b) => ({ id: `b${b}`, name: `Block ${b}` })),
  };
  const run = makeRun({
    graph,
    steps: [],
    state: 'running',
    last_seq: 0,
  });
  const at = (s: number) => new Date(Date.parse('2024-05-01T12:00:00Z') + s * 1000).toISOString();
  const view = applyEvents(createRunView(run), [
    { seq: 1, run: 7, step: 'fan', type: 'step.state', state: 'running', at: at(1), data: { attempt: 1 } },
    ...[0, 1, 2].map((index) => ({
      seq: 2 + index,
      run: 7,
      step: 'fan',
      type: 'step.item',
      state: 'running',
      at: at(1 + index),
      data: { index, attempt: 1 },
    })),
    { seq: 5, run: 7, step: 'fan', type: 'step.item', state: 'succeeded', at: at(4), data: { index: 1, attempt: 1 } },
  ] as unknown as RunEvent[]);

  it('folds blocks to a lane each and holds the rest behind "show all"', () => {
    render(<Timeline view={view} graph={graph} selected={null} onSelect={() => {}} />);
    expect(screen.getAllByTestId(/^timeline-block-/)).toHaveLength(4);
    expect(screen.getByTestId('timeline-block-b0').textContent).toContain('0/50');
    expect(screen.queryByTestId('timeline-row-s0')).toBeNull();
    expect(
      screen.getAllByRole('button', { name: /./ }).filter((b) => b.dataset.testid?.startsWith('timeline-row-')),
    ).toHaveLength(36);
    fireEvent.click(screen.getByTestId('timeline-show-all'));
    expect(screen.getByTestId('timeline-row-s299')).toBeTruthy();
    fireEvent.click(screen.getByTestId('timeline-block-b0'));
    expect(screen.getByTestId('timeline-row-s0')).toBeTruthy();
    expect(screen.getByTestId('timeline-block-b0').getAttribute('aria-expanded')).toBe('true');
  });

  it('shows a for_each step as one lane whose items open on click', () => {
    render(<Timeline view={view} graph={graph} selected={null} onSelect={() => {}} />);
    fireEvent.click(screen.getByTestId('timeline-show-all'));
    const toggle = screen.getByTestId('timeline-items-fan');
    expect(toggle.textContent).toContain('1/3');
    expect(screen.queryByTestId('timeline-item-fan-0')).toBeNull();
    fireEvent.click(toggle);
    expect(screen.getByTestId('timeline-item-fan-1').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('timeline-item-fan-2').getAttribute('data-state')).toBe('running');
  });
});
