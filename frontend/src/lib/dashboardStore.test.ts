import { describe, expect, it } from 'vitest';
import type { RunEvent } from './types';
import { DashboardStore, stepBar } from './dashboardStore';
import { feedRun } from '../test/fixtures';

const ev = (run: number, seq: number, type: string, state: string, step: string | null, at: number) =>
  ({
    run,
    seq,
    type,
    state,
    step,
    at: new Date(at).toISOString(),
  }) as RunEvent;

describe('dashboard store', () => {
  it('folds events into the steps in place and counts by state', () => {
    const store = new DashboardStore();
    store.load({ now: 5000, runs: [feedRun(1)], counts: {}, truncated: false }, 5000);
    const structure = store.structure;
    expect(store.applyEvent(ev(1, 3, 'run.state', 'running', null, 1100))).toBe(true);
    store.applyEvent(ev(1, 4, 'step.state', 'running', 's1', 1200));
    store.applyEvent(ev(1, 5, 'step.state', 'succeeded', 's1', 1700));
    store.applyEvent(ev(1, 5, 'step.state', 'failed', 's1', 1800)); // duplicate seq: ignored
    const run = store.runs.get(1)!;
    expect(run.state).toBe('running');
    expect(run.steps[0]).toMatchObject({
      state: 'succeeded',
      queued: 1000,
      started: 1200,
      finished: 1700,
      attempts: 1,
    });
    expect(store.counts().steps).toEqual({ succeeded: 1, pending: 1 });
    // Events never regroup rows.
    expect(store.structure).toBe(structure);
    expect(store.missing.size).toBe(0);
  });
  it('tells its subscribers once per frame, however many events the frame brought', () => {
    const frames: Array<() => void> = [];
    const store = new DashboardStore((flush) => frames.push(flush));
    let told = 0;
    store.subscribe(() => (told += 1));
    store.load({ now: 5000, runs: [feedRun(1), feedRun(2)], counts: {}, truncated: false }, 5000);
    expect(frames).toHaveLength(1);
    frames.shift()!();
    expect(told).toBe(1);
    const before = store.getSnapshot();

    store.applyEvent(ev(1, 3, 'run.state', 'running', null, 1100));
    for (let seq = 4; seq < 40; seq++) store.applyEvent(ev(2, seq, 'step.state', 'queued', 's2', 1000 + seq));
    store.applyEvent(ev(1, 4, 'step.state', 'running', 's1', 1200));
    // Until the frame, React still sees the snapshot it had: nothing re-renders per event.
    expect(frames).toHaveLength(1);
    expect(told).toBe(1);
    expect(store.getSnapshot()).toBe(before);

    frames.shift()!();
    expect(told).toBe(2);
    expect(store.getSnapshot()).not.toBe(before);
    expect(store.counts().runs).toEqual({ running: 1, queued: 1 });
    expect(store.counts().steps).toEqual({ running: 1, pending: 1, queued: 2 });
    expect(frames).toHaveLength(0);
  });

  it('keeps its rows until runs come or go, and regroups by state only with a state filter', () => {
    const store = new DashboardStore(() => {});
    store.load({ now: 5000, runs: [feedRun(1), feedRun(2)], counts: {}, truncated: false }, 5000);
    const all = store.rows();
    store.applyEvent(ev(1, 3, 'run.state', 'running', null, 1100));
    expect(store.rows()).toBe(all);
    expect(store.rows({ state: 'queued' }).map((r) => r.key)).toEqual(['c1', 'r2']);
    store.applyEvent(ev(2, 3, 'run.state', 'running', null, 1100));
    expect(store.rows({ state: 'queued' }).map((r) => r.key)).toEqual([]);
    store.merge([feedRun(3)]);
    expect(store.rows().map((r) => r.key)).toEqual(['c1', 'r3', 'r2', 'r1']);
  });

  it('asks for runs it does not know and for runs that skipped an event', () => {
    const store = new DashboardStore();
    store.load({ now: 0, runs: [feedRun(1)], counts: {}, truncated: false });
    expect(store.applyEvent(ev(9, 1, 'run.state', 'queued', null, 0))).toBe(false);
    store.applyEvent(ev(1, 7, 'step.state', 'running', 's2', 0));
    expect([...store.missing].sort()).toEqual([1, 9]);
    store.merge([feedRun(9, { last_seq: 1 }), feedRun(1, { last_seq: 7 })]);
    expect(store.missing.size).toBe(0);
    expect(store.runs.size).toBe(2);
  });
  it('a fetched snapshot older than the events already applied is ignored', () => {
    const store = new DashboardStore();
    store.load({ now: 0, runs: [feedRun(1)], counts: {}, truncated: false });
    store.applyEvent(ev(1, 3, 'run.state', 'running', null, 10));
    store.merge([feedRun(1, { last_seq: 2, state: 'queued' })]);
    expect(store.runs.get(1)!.state).toBe('running');
  });
  it('groups runs by campaign then batch, newest first, and filters', () => {
    const store = new DashboardStore();
    store.load({
      now: 0,
      runs: [
        feedRun(1, { batch: 7 }),
        feedRun(2, { batch: 7 }),
        feedRun(3),
        feedRun(4, { campaign: 2, campaign_name: 'Other', owner: 'bob', state: 'running' }),
      ],
      counts: {},
      truncated: false,
    });
    expect(store.rows().map((r) => r.key)).toEqual(['c2', 'r4', 'c1', 'r3', 'b7', 'r1', 'r2']);
    expect(store.rows({ owner: 'bob' }).map((r) => r.key)).toEqual(['c2', 'r4']);
    expect(store.rows({ state: 'queued', campaign: 1 }).map((r) => r.key)).toEqual(['c1', 'r3', 'b7', 'r1', 'r2']);
    expect(store.counts({ campaign: 1 }).runs).toEqual({ queued: 3 });
    expect(store.owners()).toEqual(['alice', 'bob']);
  });
  it('bars run from the first queue to the end, or to now while open', () => {
    const step = {
      id: 's',
      name: 's',
      state: 'running' as const,
      attempts: 1,
      queued: 100,
      started: 150,
      finished: null,
    };
    expect(stepBar(step, 400)).toEqual({ start: 100, end: 400 });
    expect(stepBar({ ...step, finished: 300 }, 400)).toEqual({ start: 100, end: 300 });
    expect(stepBar({ ...step, queued: null, started: null }, 400)).toBeNull();
  });
});

describe('child runs', () => {
  it('fold under their parent until it is expanded', () => {
    const store = new DashboardStore();
    const feed = (id: number, parent: number | null) => ({
      id,
      campaign: parent ? 2 : 1,
      campaign_name: parent ? 'Child' : 'Parent',
      batch: null,
      owner: 'a',
      state: 'running' as const,
      parameters: {},
      created_at: 1,
      started_at: null,
      finished_at: null,
      last_seq: 1,
      parent,
      steps: [],
    });
    store.load({ now: 1, runs: [feed(1, null), feed(2, 1), feed(3, 1)], counts: {}, truncated: false });
    const folded = store.rows();
    expect(folded.map((r) => r.key)).toEqual(['c1', 'r1']);
    expect(folded[1]).toMatchObject({ children: 2, expanded: false });
    const open = store.rows({}, new Set([1]));
    expect(open.map((r) => r.key)).toEqual(['c1', 'r1', 'r2', 'r3']);
  });
});
