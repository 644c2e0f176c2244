import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { render, renderHook, screen, waitFor } from '@testing-library/react';
import { useBlockStates } from './useBlockStates';
import { Timeline } from '../Timeline';
import { applyEvents, createRunView } from '../../lib/runState';
import { makeRun } from '../../test/fixtures';
import { QueryWrapper } from '../../test/queryClient';
import type { RunBlock, RunEvent } from '../../lib/types';

const graph = {
  steps: [
    { id: 'a1', name: 'A one', kind: 'function' as const, block: 'A' },
    { id: 'a2', name: 'A two', kind: 'function' as const, block: 'A' },
  ],
  edges: [],
  blocks: [{ id: 'A', name: 'Block A' }],
};
const block = (state: string): RunBlock => ({
  id: 'A',
  name: 'Block A',
  state,
  steps: ['a1', 'a2'],
  started_at: null,
  finished_at: null,
});
const at = (s: number) => new Date(Date.parse('2024-05-01T12:00:00Z') + s * 1000).toISOString();
const stepEvent = (seq: number, step: string, state: string) =>
  ({ seq, run: 7, step, type: 'step.state', state, at: at(seq), data: { attempt: 1 } }) as unknown as RunEvent;

describe('useBlockStates', () => {
  const asked: string[] = [];
  let served = block('failed');
  beforeEach(() => {
    asked.length = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        asked.push(url);
        return new Response(JSON.stringify([served]), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows the detail's fold, and asks the server again when a block's step changes state", async () => {
    const run = makeRun({ graph, steps: [], state: 'running', last_seq: 0 });
    const snapshot = applyEvents(createRunView(run), [stepEvent(1, 'a1', 'failed'), stepEvent(2, 'a2', 'running')]);
    const { result, rerender } = renderHook(({ view }) => useBlockStates(7, [block('running')], view), {
      initialProps: { view: snapshot },
      wrapper: QueryWrapper,
    });
    // The snapshot's blocks answer the snapshot: nothing is asked.
    expect(result.current).toEqual({ A: 'running' });
    expect(asked).toEqual([]);

    // a2 ends: the browser does not fold a1 failed + a2 succeeded itself; it shows what the server answers.
    served = block('failed');
    rerender({ view: applyEvents(snapshot, [stepEvent(3, 'a2', 'succeeded')]) });
    await waitFor(() => expect(result.current).toEqual({ A: 'failed' }), { timeout: 3000 });
    expect(asked).toEqual(['/api/runs/7/blocks/']);
  });

  it("never shows a run's late answer on another run's page", async () => {
    let answerRun7: (() => void) | null = null;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        asked.push(url);
        if (url.includes('/runs/7/')) {
          await new Promise<void>((resolve) => (answerRun7 = resolve));
          init?.signal?.throwIfAborted();
        }
        return new Response(JSON.stringify([block('failed')]), {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        });
      }),
    );
    const run = makeRun({ graph, steps: [], state: 'running', last_seq: 0 });
    const snapshot = applyEvents(createRunView(run), [stepEvent(1, 'a1', 'running')]);
    const { result, rerender } = renderHook(({ id, blocks, view }) => useBlockStates(id, blocks, view), {
      initialProps: { id: 7, blocks: [block('running')], view: snapshot },
      wrapper: QueryWrapper,
    });
    rerender({ id: 7, blocks: [block('running')], view: applyEvents(snapshot, [stepEvent(2, 'a1', 'failed')]) });
    await waitFor(() => expect(asked).toEqual(['/api/runs/7/blocks/']), { timeout: 3000 });
    // The user opens run 8 while run 7's answer is on its way; then that answer arrives.
    rerender({ id: 8, blocks: [block('succeeded')], view: snapshot });
    expect(result.current).toEqual({ A: 'succeeded' });
    answerRun7!();
    await new Promise((r) => setTimeout(r, 50));
    expect(result.current).toEqual({ A: 'succeeded' });
  });
});

describe('Timeline block lanes', () => {
  const run = makeRun({ graph, steps: [], state: 'running', last_seq: 0 });
  const view = applyEvents(createRunView(run), [stepEvent(1, 'a1', 'succeeded'), stepEvent(2, 'a2', 'succeeded')]);

  it("take the state the server folded, not one folded from the steps' states", () => {
    const { unmount } = render(
      <Timeline view={view} graph={graph} blockStates={{ A: 'cancelled' }} selected={null} onSelect={() => {}} />,
    );
    const lane = screen.getByTestId('timeline-block-A');
    expect(lane.getAttribute('data-state')).toBe('cancelled');
    expect(lane.textContent).toContain('2/2');
    unmount();
    render(<Timeline view={view} graph={graph} selected={null} onSelect={() => {}} />);
    expect(screen.getByTestId('timeline-block-A').getAttribute('data-state')).toBe('pending');
  });
});
