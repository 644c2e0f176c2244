// Step logs: retries from events, the stored log and the lines of later events.
import { describe, expect, it } from 'vitest';
import { applyEvents, createRunView, stepLogLines, storedLogLines } from '.';
import type { RunEvent } from '../types';
import { makeRun } from '../../test/fixtures';

describe('step logs and retries from events', () => {
  const run = makeRun({
    id: 5,
    campaign: 1,
    campaign_name: 'c',
    version: 1,
    state: 'queued',
    parameters: {},
    started_at: null,
    finished_at: null,
    last_seq: 0,
    steps: [],
    graph: { steps: [{ id: 's1', name: 'S1', kind: 'function' }], edges: [] },
  });
  const at = (s: number) => new Date(1_700_000_000_000 + s * 1000).toISOString();
  it('collects step.log lines per step, in order', () => {
    let v = createRunView(run);
    v = applyEvents(v, [
      {
        seq: 1,
        run: 5,
        step: 's1',
        type: 'step.log',
        state: '',
        at: at(1),
        data: { attempt: 1, stream: 'stdout', lines: ['a', 'b'], prefix: '', header: '=== attempt 1 ===' },
      },
      {
        seq: 2,
        run: 5,
        step: 's1',
        type: 'step.log',
        state: '',
        at: at(2),
        data: { attempt: 1, stream: 'stderr', lines: ['c'], prefix: '[stderr] ' },
      },
      { seq: 3, run: 5, step: 's1', type: 'step.log', state: '', at: at(3), data: {} },
      {
        seq: 4,
        run: 5,
        step: 's1',
        type: 'step.log',
        state: '',
        at: at(4),
        data: { attempt: 2, stream: 'stdout', lines: ['d'], prefix: '', header: '=== attempt 2 ===' },
      },
    ] as RunEvent[]);
    expect(stepLogLines(null, v.logs.s1)).toEqual([
      '=== attempt 1 ===',
      'a',
      'b',
      '[stderr] c',
      '=== attempt 2 ===',
      'd',
    ]);
    expect(v.logs.s1.map((c) => c.seq)).toEqual([1, 2, 4]);
    expect(v.lastSeq).toBe(4);
  });
  it('a failed attempt that will retry is followed by a new attempt', () => {
    let v = createRunView(run);
    v = applyEvents(v, [
      { seq: 1, run: 5, step: 's1', type: 'step.state', state: 'queued', at: at(0) },
      { seq: 2, run: 5, step: 's1', type: 'step.state', state: 'running', at: at(1) },
      {
        seq: 3,
        run: 5,
        step: 's1',
        type: 'step.state',
        state: 'failed',
        at: at(2),
        data: { error: 'boom', will_retry: true },
      },
      { seq: 4, run: 5, step: 's1', type: 'step.state', state: 'queued', at: at(3) },
    ] as RunEvent[]);
    expect(v.steps.s1.state).toBe('queued');
    expect(v.steps.s1.attempts.map((a) => [a.attempt, a.state])).toEqual([
      [1, 'failed'],
      [2, 'queued'],
    ]);
    expect(v.steps.s1.attempts[0].error).toBe('boom');
  });
});

describe('a step log: stored once, then the lines of later events', () => {
  const chunks = [
    { seq: 3, lines: ['=== attempt 1 ===', 'a'] },
    { seq: 5, lines: ['b'] },
    { seq: 8, lines: ['c', 'd'] },
    { seq: 9, lines: ['e'] },
  ];

  it('reads the endpoint text line by line', () => {
    expect(storedLogLines('x\ny\n')).toEqual(['x', 'y']);
    expect(storedLogLines('')).toEqual([]);
  });

  it('appends only what came after the request, without repeating what the text already holds', () => {
    // Asked at seq 5 (holds a, b); c arrived while the request was under way and is in the text; e came later.
    const stored = { lines: ['=== attempt 1 ===', 'a', 'b', 'c', 'd'], askedAt: 5, arrivedAt: 8 };
    expect(stepLogLines(stored, chunks)).toEqual(['=== attempt 1 ===', 'a', 'b', 'c', 'd', 'e']);
    // The same race, but the text was read before c was written: c is kept.
    const early = { lines: ['=== attempt 1 ===', 'a', 'b'], askedAt: 5, arrivedAt: 8 };
    expect(stepLogLines(early, chunks)).toEqual(['=== attempt 1 ===', 'a', 'b', 'c', 'd', 'e']);
  });

  it('without a stored log shows the lines of events', () => {
    expect(stepLogLines(null, chunks)).toEqual(['=== attempt 1 ===', 'a', 'b', 'c', 'd', 'e']);
  });
});
