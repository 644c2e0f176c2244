// Backend specifics and waiting inside an HPC backend (step.backend events).
import { describe, expect, it } from 'vitest';
import { applyEvent, applyEvents, createRunView, hasOpenSegments, stepDetails, stepSegments, timelineOrigin } from '.';
import { hpcGraph, hpcRunEvents, iso, makeRun, runEvents } from '../../test/fixtures';
import { at, simple } from '../../test/runView';

describe('backend specifics', () => {
  it('starts the axis at the first step activity when it precedes the run start', () => {
    const view = applyEvents(createRunView(makeRun({ state: 'queued', started_at: null })), [
      { seq: 1, run: 7, step: null, type: 'run.state', state: 'queued', at: iso(0), data: {} },
      { seq: 2, run: 7, step: 's1', type: 'step.state', state: 'queued', at: iso(0), data: { attempt: 1 } },
      { seq: 3, run: 7, step: null, type: 'run.state', state: 'running', at: iso(0.4), data: {} },
      { seq: 4, run: 7, step: 's1', type: 'step.state', state: 'running', at: iso(0.4), data: { attempt: 1 } },
    ]);
    expect(view.startedAt).toBe(at(0.4));
    expect(timelineOrigin(view)).toBe(at(0));
  });

  it('skipped with attempt 0 and an error creates no attempt', () => {
    const view = applyEvent(createRunView(makeRun()), {
      seq: 1,
      run: 7,
      step: 's4',
      type: 'step.state',
      state: 'skipped',
      at: iso(1),
      data: { attempt: 0, error: 'upstream step s2 did not succeed' },
    });
    expect(view.steps.s4.state).toBe('skipped');
    expect(view.steps.s4.attempts).toEqual([]);
    expect(view.steps.s4.error).toBe('upstream step s2 did not succeed');
  });

  it('failed with will_retry then queued again: two attempts', () => {
    const view = applyEvents(createRunView(makeRun()), [
      { seq: 1, run: 7, step: 's1', type: 'step.state', state: 'queued', at: iso(0), data: { attempt: 1 } },
      { seq: 2, run: 7, step: 's1', type: 'step.state', state: 'running', at: iso(1), data: { attempt: 1 } },
      {
        seq: 3,
        run: 7,
        step: 's1',
        type: 'step.state',
        state: 'failed',
        at: iso(2),
        data: { attempt: 1, error: 'boom', reason: 'error', will_retry: true },
      },
      { seq: 4, run: 7, step: 's1', type: 'step.state', state: 'queued', at: iso(2), data: { attempt: 2 } },
    ]);
    expect(view.steps.s1.state).toBe('queued');
    expect(simple(view, 's1', at(3))).toEqual([
      ['queued', 1, 0, 1, 'queued', false],
      ['running', 1, 1, 2, 'failed', false],
      ['queued', 2, 2, 3, 'queued', true],
    ]);
  });

  it('remembers that a result was too large to stream', () => {
    const view = applyEvents(createRunView(makeRun()), [
      { seq: 1, run: 7, step: 's1', type: 'step.state', state: 'running', at: iso(1), data: { attempt: 1 } },
      {
        seq: 2,
        run: 7,
        step: 's1',
        type: 'step.state',
        state: 'succeeded',
        at: iso(2),
        data: { attempt: 1, result_truncated: true },
      },
    ]);
    expect(view.steps.s1.resultTruncated).toBe(true);
    expect(stepDetails(view, 's1')?.resultTruncated).toBe(true);
  });
});

describe('waiting inside an HPC backend (step.backend events)', () => {
  const hpcRun = () => makeRun({ graph: hpcGraph, steps: [] });

  it('splits the running part at AGENT_EXECUTING (radical) and EXECUTING (dask)', () => {
    const view = applyEvents(createRunView(hpcRun()), hpcRunEvents());
    expect(view.state).toBe('succeeded');
    expect(simple(view, 's1')).toEqual([
      ['queued', 1, 0, 1, 'queued', false],
      ['waiting', 1, 1, 5, 'running', false],
      ['running', 1, 5, 8, 'succeeded', false],
    ]);
    expect(simple(view, 's2')).toEqual([
      ['queued', 1, 8.1, 8.5, 'queued', false],
      ['waiting', 1, 8.5, 10, 'running', false],
      ['running', 1, 10, 12, 'succeeded', false],
    ]);
    const segs = stepSegments(view.steps.s1, at(100));
    expect(segs[1].backend).toBe('radical');
    expect(stepSegments(view.steps.s2, at(100))[1].backend).toBe('dask');
  });

  it('leaves thread steps (no step.backend events) exactly as before', () => {
    const view = applyEvents(createRunView(hpcRun()), hpcRunEvents());
    expect(simple(view, 's3')).toEqual([
      ['queued', 1, 12.1, 12.2, 'queued', false],
      ['running', 1, 12.2, 13, 'succeeded', false],
    ]);
    // And the plain fixture run has no waiting segment at all.
    const plain = applyEvents(createRunView(makeRun()), runEvents());
    for (const id of plain.stepOrder) {
      expect(stepSegments(plain.steps[id], at(100)).some((s) => s.kind === 'waiting')).toBe(false);
    }
    expect(simple(plain, 's1')).toEqual([
      ['queued', 1, 0.1, 0.6, 'queued', false],
      ['running', 1, 0.6, 2.6, 'succeeded', false],
    ]);
  });

  it('keeps an open waiting segment while the task waits in the pilot', () => {
    const events = hpcRunEvents().slice(0, 7); // up to AGENT_SCHEDULING at 2 s
    const view = applyEvents(createRunView(hpcRun()), events);
    expect(simple(view, 's1', at(3))).toEqual([
      ['queued', 1, 0, 1, 'queued', false],
      ['waiting', 1, 1, 3, 'running', true],
    ]);
    expect(hasOpenSegments(view)).toBe(true);
  });

  it('a task cancelled while waiting never executed: all waiting, with the outcome', () => {
    const events = hpcRunEvents().slice(0, 7);
    const view = applyEvents(createRunView(hpcRun()), [
      ...events,
      {
        seq: 8,
        run: 7,
        step: 's1',
        type: 'step.backend',
        state: 'running',
        at: iso(3),
        data: { backend_state: 'CANCELED', attempt: 1, backend: 'radical', phase: 'waiting' },
      },
      { seq: 9, run: 7, step: 's1', type: 'step.state', state: 'cancelled', at: iso(3.2), data: { attempt: 1 } },
    ]);
    expect(simple(view, 's1')).toEqual([
      ['queued', 1, 0, 1, 'queued', false],
      ['waiting', 1, 1, 3.2, 'cancelled', false],
    ]);
  });

  it('falls back to DONE when the executing report was lost, and clamps reports before running', () => {
    const view = applyEvents(createRunView(hpcRun()), [
      { seq: 1, run: 7, step: 's2', type: 'step.state', state: 'queued', at: iso(0), data: { attempt: 1 } },
      { seq: 2, run: 7, step: 's2', type: 'step.state', state: 'running', at: iso(1), data: { attempt: 1 } },
      {
        seq: 3,
        run: 7,
        step: 's2',
        type: 'step.backend',
        state: 'running',
        at: iso(0.9),
        data: { backend_state: 'SUBMITTED', attempt: 1, backend: 'dask', phase: 'waiting' },
      },
      {
        seq: 4,
        run: 7,
        step: 's2',
        type: 'step.backend',
        state: 'running',
        at: iso(4),
        data: { backend_state: 'DONE', attempt: 1, backend: 'dask', phase: 'done' },
      },
      { seq: 5, run: 7, step: 's2', type: 'step.state', state: 'succeeded', at: iso(4.1), data: { attempt: 1 } },
    ]);
    expect(simple(view, 's2')).toEqual([
      ['queued', 1, 0, 1, 'queued', false],
      ['waiting', 1, 1, 4, 'running', false],
      ['running', 1, 4, 4.1, 'succeeded', false],
    ]);
  });
});
