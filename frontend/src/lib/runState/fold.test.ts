// Folding a run's events into its view: times, seq, live runs, the snapshot it starts from.
import { describe, expect, it } from 'vitest';
import {
  applyEvent,
  applyEvents,
  createRunView,
  displayStepState,
  eventGap,
  hasOpenSegments,
  parseTime,
  runSegments,
  stepDetails,
  stepSegments,
  timelineNow,
  timelineOrigin,
} from '.';
import type { RunEvent } from '../types';
import { iso, makeRun, runEvents } from '../../test/fixtures';
import { at, simple } from '../../test/runView';

describe('parseTime', () => {
  it('reads Django/DRF ISO timestamps (microseconds, Z or +00:00)', () => {
    expect(parseTime('2024-05-01T12:00:00.123456Z')).toBe(Date.parse('2024-05-01T12:00:00.123Z'));
    expect(parseTime('2024-05-01T12:00:00+00:00')).toBe(Date.parse('2024-05-01T12:00:00Z'));
    expect(parseTime(null)).toBeNull();
    expect(parseTime('not a date')).toBeNull();
  });
});

describe('createRunView', () => {
  it('takes step names and order from the graph, and states from the snapshot', () => {
    const view = createRunView(makeRun());
    expect(view.stepOrder).toEqual(['s1', 's2', 's3', 's4']);
    expect(view.steps.s2.name).toBe('Simulate');
    expect(view.steps.s2.state).toBe('pending');
    expect(view.lastSeq).toBe(0);
    expect(view.steps.s1.attempts).toEqual([]);
  });
});

describe('folding a realistic run', () => {
  const events = runEvents();
  const view = applyEvents(createRunView(makeRun()), events);

  it('applies every event and ends in the final states', () => {
    expect(view.lastSeq).toBe(18);
    expect(view.state).toBe('succeeded');
    expect(Object.fromEntries(view.stepOrder.map((id) => [id, view.steps[id].state]))).toEqual({
      s1: 'succeeded',
      s2: 'succeeded',
      s3: 'succeeded',
      s4: 'succeeded',
    });
    expect(view.startedAt).toBe(at(0.1));
    expect(view.finishedAt).toBe(at(9.3));
  });

  it('builds a queued then a running segment per attempt', () => {
    expect(simple(view, 's1')).toEqual([
      ['queued', 1, 0.1, 0.6, 'queued', false],
      ['running', 1, 0.6, 2.6, 'succeeded', false],
    ]);
    expect(simple(view, 's3')).toEqual([
      ['queued', 1, 2.7, 3.5, 'queued', false],
      ['running', 1, 3.5, 6, 'succeeded', false],
    ]);
  });

  it('keeps several attempts, coloured by their own outcome', () => {
    expect(simple(view, 's2')).toEqual([
      ['queued', 1, 2.7, 3, 'queued', false],
      ['running', 1, 3, 4, 'failed', false],
      ['queued', 2, 4.1, 5, 'queued', false],
      ['running', 2, 5, 7, 'succeeded', false],
    ]);
    expect(view.steps.s2.attempts.map((a) => [a.attempt, a.state, a.error])).toEqual([
      [1, 'failed', 'boom'],
      [2, 'succeeded', undefined],
    ]);
  });

  it('records results and errors', () => {
    expect(view.steps.s1.result).toEqual({ rows: 10 });
    expect(view.steps.s3.result).toBe(42);
    expect(view.steps.s2.result).toBe('ok');
    // The step succeeded in the end: the old error is no longer the step's error.
    expect(view.steps.s2.error).toBeUndefined();
    expect(view.steps.s4.result).toBeNull();
  });

  it('stops growing once the run is finished', () => {
    expect(hasOpenSegments(view)).toBe(false);
    expect(timelineNow(view, at(500))).toBe(at(9.3));
    expect(timelineOrigin(view)).toBe(at(0.1));
  });
});

describe('seq handling', () => {
  it('ignores duplicates and already applied events (same object back)', () => {
    const events = runEvents();
    const once = applyEvents(createRunView(makeRun()), events);
    expect(applyEvent(once, events[4])).toBe(once);
    const twice = applyEvents(once, events);
    expect(twice).toBe(once);
  });

  it('handles a replay that overlaps what was applied (reconnect with after=N)', () => {
    const events = runEvents();
    const full = applyEvents(createRunView(makeRun()), events);
    const partial = applyEvents(createRunView(makeRun()), events.slice(0, 8));
    expect(partial.lastSeq).toBe(8);
    const resumed = applyEvents(partial, events.slice(5)); // server re-sends 6..18
    expect(resumed.lastSeq).toBe(18);
    expect(resumed.steps).toEqual(full.steps);
    expect(simple(resumed, 's2')).toEqual(simple(full, 's2'));
  });

  it('does not apply an event past a gap, and says it is one', () => {
    const events = runEvents();
    const view = applyEvents(createRunView(makeRun()), events.slice(0, 2));
    expect(eventGap(view, events[2])).toBe(false);
    expect(eventGap(view, events[1])).toBe(false);
    expect(eventGap(view, events[3])).toBe(true);
    expect(applyEvent(view, events[3])).toBe(view);
    // Folding stops at the gap: nothing after it is kept for later.
    const stuck = applyEvents(view, [events[3], events[4], events[2]]);
    expect(stuck.lastSeq).toBe(3);
    expect(stuck.steps.s1.state).toBe('queued');
  });

  it('ignores events of another run', () => {
    const view = createRunView(makeRun());
    const foreign: RunEvent = { ...runEvents()[0], run: 99 };
    expect(applyEvent(view, foreign)).toBe(view);
  });
});

describe('live (unfinished) runs', () => {
  it('open segments extend to now and keep growing', () => {
    const events = runEvents().slice(0, 9); // s2 and s3 running
    const view = applyEvents(createRunView(makeRun()), events);
    expect(hasOpenSegments(view)).toBe(true);
    expect(simple(view, 's2', at(3.8))).toEqual([
      ['queued', 1, 2.7, 3, 'queued', false],
      ['running', 1, 3, 3.8, 'running', true],
    ]);
    expect(simple(view, 's3', at(4.5)).at(-1)).toEqual(['running', 1, 3.5, 4.5, 'running', true]);
    // A queued step has an open queued segment.
    const queuedOnly = applyEvents(createRunView(makeRun()), runEvents().slice(0, 3));
    expect(simple(queuedOnly, 's1', at(0.4))).toEqual([['queued', 1, 0.1, 0.4, 'queued', true]]);
  });

  it('never ends a segment before it starts (client clock behind the server)', () => {
    const view = applyEvents(createRunView(makeRun()), runEvents().slice(0, 4));
    const segs = stepSegments(view.steps.s1, at(-10));
    expect(segs.every((s) => s.end >= s.start)).toBe(true);
    expect(timelineNow(view, at(-10))).toBe(at(0.6));
  });

  it('infers attempt numbers when events carry none', () => {
    const base = createRunView(makeRun());
    const mk = (seq: number, state: string, t: number): RunEvent =>
      ({
        seq,
        run: 7,
        step: 's1',
        type: 'step.state',
        state,
        at: iso(t),
        data: state === 'failed' ? { error: 'x' } : {},
      }) as RunEvent;
    const view = applyEvents(base, [
      mk(1, 'queued', 1),
      mk(2, 'running', 2),
      mk(3, 'failed', 3),
      mk(4, 'queued', 4),
      mk(5, 'running', 5),
    ]);
    expect(view.steps.s1.attempts.map((a) => [a.attempt, a.state])).toEqual([
      [1, 'failed'],
      [2, 'running'],
    ]);
  });

  it('closes an attempt still open when the next attempt starts (retry without a failed event)', () => {
    const base = createRunView(makeRun());
    const view = applyEvents(base, [
      { seq: 1, run: 7, step: 's1', type: 'step.state', state: 'queued', at: iso(1), data: { attempt: 1 } },
      { seq: 2, run: 7, step: 's1', type: 'step.state', state: 'running', at: iso(2), data: { attempt: 1 } },
      {
        seq: 3,
        run: 7,
        step: 's1',
        type: 'step.state',
        state: 'queued',
        at: iso(3),
        data: { attempt: 2, error: 'timeout' },
      },
    ]);
    expect(simple(view, 's1', at(4))).toEqual([
      ['queued', 1, 1, 2, 'queued', false],
      ['running', 1, 2, 3, 'failed', false],
      ['queued', 2, 3, 4, 'queued', true],
    ]);
  });

  it('cancelled while queued: only a queued segment; skipped: none', () => {
    const base = createRunView(makeRun());
    const view = applyEvents(base, [
      { seq: 1, run: 7, step: 's1', type: 'step.state', state: 'queued', at: iso(1), data: { attempt: 1 } },
      { seq: 2, run: 7, step: 's1', type: 'step.state', state: 'cancelled', at: iso(2.5), data: { attempt: 1 } },
      { seq: 3, run: 7, step: 's4', type: 'step.state', state: 'skipped', at: iso(2.5), data: {} },
      { seq: 4, run: 7, step: null, type: 'run.state', state: 'cancelled', at: iso(2.6), data: {} },
    ]);
    expect(simple(view, 's1')).toEqual([['queued', 1, 1, 2.5, 'queued', false]]);
    expect(view.steps.s1.state).toBe('cancelled');
    expect(view.steps.s4.state).toBe('skipped');
    expect(simple(view, 's4')).toEqual([]);
    expect(view.state).toBe('cancelled');
  });

  it('adds steps that only appear in events', () => {
    const view = applyEvent(createRunView(makeRun()), {
      seq: 1,
      run: 7,
      step: 'extra',
      type: 'step.state',
      state: 'queued',
      at: iso(1),
      data: { attempt: 1 },
    });
    expect(view.stepOrder).toContain('extra');
    expect(Object.keys(runSegments(view, at(2)))).toContain('extra');
  });
});

describe('the snapshot is where folding starts', () => {
  const finishedRun = makeRun({
    state: 'succeeded',
    last_seq: 18,
    finished_at: iso(9.3),
    steps: makeRun().steps!.map((s) => ({
      ...s,
      state: 'succeeded' as const,
      attempts: s.step === 's2' ? 2 : 1,
      result: s.step === 's3' ? 42 : null,
      queued_at: iso(0.5),
      started_at: iso(1),
      finished_at: iso(2),
    })),
  });

  it('shows a finished run from its detail alone, and ignores a replay of what it holds', () => {
    const view = createRunView(finishedRun);
    expect(view.state).toBe('succeeded');
    expect(view.lastSeq).toBe(18);
    expect(displayStepState(view, 's2')).toBe('succeeded');
    expect(stepDetails(view, 's2')?.attemptCount).toBe(2);
    expect(stepDetails(view, 's3')?.result).toBe(42);
    expect(simple(view, 's2')).toEqual([
      ['queued', 2, 0.5, 1, 'queued', false],
      ['running', 2, 1, 2, 'succeeded', false],
    ]);
    expect(hasOpenSegments(view)).toBe(false);
    expect(timelineNow(view, at(500))).toBe(at(9.3));
    expect(applyEvents(view, runEvents())).toBe(view);
  });

  it('a snapshot at seq 9 plus events 10.. ends where folding every event does', () => {
    const events = runEvents();
    const full = applyEvents(createRunView(makeRun()), events);
    const atNine = applyEvents(createRunView(makeRun()), events.slice(0, 9));
    // The detail the page would have loaded at seq 9, as the server words it.
    const rows = makeRun().steps!.map((row) => {
      const step = atNine.steps[row.step];
      const latest = step.attempts[step.attempts.length - 1];
      const iso0 = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());
      return {
        ...row,
        state: step.state,
        attempts: latest?.startedAt != null ? latest.attempt : (latest?.attempt ?? 1) - 1,
        queued_at: iso0(latest?.queuedAt),
        started_at: iso0(latest?.startedAt),
        finished_at: iso0(latest?.finishedAt),
        result: step.result === undefined ? null : step.result,
      };
    });
    const snapshot = createRunView(makeRun({ state: 'running', last_seq: 9, steps: rows }));
    expect(simple(snapshot, 's2')).toEqual([
      ['queued', 1, 2.7, 3, 'queued', false],
      ['running', 1, 3, 100, 'running', true],
    ]);
    const resumed = applyEvents(snapshot, events);
    expect(resumed.lastSeq).toBe(18);
    expect(resumed.state).toBe('succeeded');
    for (const id of ['s2', 's3', 's4']) expect(simple(resumed, id)).toEqual(simple(full, id));
    expect(resumed.steps.s1.result).toEqual({ rows: 10 });
  });
});
