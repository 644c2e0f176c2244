// The campaigns dashboard's data: every run with its steps, updated in place
// by live events (O(1) per event), and the grouping of runs into rows, which
// changes only when runs come or go. No React: components read it through
// useSyncExternalStore (`subscribe` / `getSnapshot`), told once per animation
// frame however many events that frame brought.
import type { components } from './generated/api';
import type { RunEvent, RunState, StepState } from './types';
import { TERMINAL_RUN_STATES } from './types';

/** GET /api/dashboard/, generated from the server's `event_messages.DashboardFeed` (times are epoch ms). */
export type DashboardFeed = components['schemas']['DashboardFeed'];
export type FeedRun = components['schemas']['DashboardFeedRun'];
/** [id, name, state, attempts, queued_at, started_at, finished_at] */
export type FeedStep = FeedRun['steps'][number];

export interface DashStep {
  id: string;
  name: string;
  state: StepState;
  attempts: number;
  /** Epoch ms of the first time it was queued (a retried step keeps its first start). */
  queued: number | null;
  started: number | null;
  finished: number | null;
}

export interface DashRun {
  id: number;
  campaign: number;
  campaignName: string;
  batch: number | null;
  owner: string;
  state: RunState;
  label: string;
  createdAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  lastSeq: number;
  steps: DashStep[];
  stepIndex: Record<string, number>;
  parent: number | null;
}

export type Row =
  | { kind: 'campaign'; key: string; campaign: number; name: string; runs: number }
  | { kind: 'batch'; key: string; batch: number; campaign: number; owner: string; runs: number }
  | { kind: 'run'; key: string; run: DashRun; nested: boolean; children?: number; expanded?: boolean; depth?: number };

export interface DashFilter {
  campaign?: number | null;
  state?: string | null;
  owner?: string | null;
}

export function runLabel(parameters: Record<string, unknown> | null | undefined): string {
  const entries = Object.entries(parameters ?? {});
  if (!entries.length) return '';
  if (entries.length === 1)
    return String(typeof entries[0][1] === 'string' ? entries[0][1] : JSON.stringify(entries[0][1]));
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');
}

export function runFromFeed(r: FeedRun): DashRun {
  const stepIndex: Record<string, number> = {};
  const steps = r.steps.map(([id, name, state, attempts, queued, started, finished], i) => {
    stepIndex[id] = i;
    return { id, name, state, attempts, queued, started, finished };
  });
  return {
    id: r.id,
    campaign: r.campaign,
    campaignName: r.campaign_name,
    batch: r.batch,
    owner: r.owner,
    state: r.state,
    label: runLabel(r.parameters),
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    lastSeq: r.last_seq,
    parent: r.parent ?? null,
    steps,
    stepIndex,
  };
}

export function matches(run: DashRun, filter: DashFilter): boolean {
  if (filter.campaign != null && run.campaign !== filter.campaign) return false;
  if (filter.state && run.state !== filter.state) return false;
  if (filter.owner && run.owner !== filter.owner) return false;
  return true;
}

/** Runs `flush` once, soon (the next animation frame in a browser). */
export type Scheduler = (flush: () => void) => void;

const nextFrame: Scheduler = (flush) => {
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(() => flush());
  else setTimeout(flush, 16);
};

const NOTHING_EXPANDED: ReadonlySet<number> = new Set();

function sameKey(a: unknown[], b: unknown[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export class DashboardStore {
  runs = new Map<number, DashRun>();
  /** Bumped on every change: the canvas redraws when it moved. */
  version = 0;
  /** Bumped when runs are added or removed: the rows are regrouped when it moved. */
  structure = 0;
  /** Runs that an event named but the store does not hold (or that skipped events): fetch them. */
  missing = new Set<number>();
  /** Server clock minus client clock, so bars line up with "now". */
  clockSkew = 0;

  private readonly listeners = new Set<() => void>();
  private readonly schedule: Scheduler;
  private flushPending = false;
  /** The version React last heard of: it moves once per flush, not per event. */
  private published = 0;
  private rowsMemo: { key: unknown[]; rows: Row[] } | null = null;
  private countsMemo: {
    key: unknown[];
    counts: { runs: Record<string, number>; steps: Record<string, number> };
  } | null = null;
  private ownersMemo: { structure: number; owners: string[] } | null = null;
  private campaignsMemo: { structure: number; campaigns: { id: number; name: string }[] } | null = null;

  constructor(schedule: Scheduler = nextFrame) {
    this.schedule = schedule;
  }

  /** For useSyncExternalStore: `listener` runs once per frame in which the store changed. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** For useSyncExternalStore: changes when subscribers were told of a change. */
  getSnapshot = (): number => this.published;

  private changed(): void {
    this.version++;
    if (this.flushPending) return;
    this.flushPending = true;
    this.schedule(() => {
      this.flushPending = false;
      this.published = this.version;
      for (const listener of [...this.listeners]) listener();
    });
  }

  load(feed: DashboardFeed, clientNow = Date.now()): void {
    this.runs.clear();
    for (const r of feed.runs) this.runs.set(r.id, runFromFeed(r));
    this.clockSkew = feed.now - clientNow;
    this.missing.clear();
    this.structure++;
    this.changed();
  }

  merge(runs: FeedRun[]): void {
    for (const r of runs) {
      const existing = this.runs.get(r.id);
      // Events may already have moved past the fetched snapshot.
      if (existing && existing.lastSeq > r.last_seq) continue;
      this.runs.set(r.id, runFromFeed(r));
      this.missing.delete(r.id);
    }
    // New run objects (added or replaced): the rows that hold the old ones are regrouped.
    this.structure++;
    this.changed();
  }

  /** Fold one live event in; false when the run is unknown or an event was skipped (it is then in `missing`). */
  applyEvent(ev: RunEvent): boolean {
    const run = this.runs.get(ev.run);
    if (!run) {
      this.missing.add(ev.run);
      return false;
    }
    if (ev.seq <= run.lastSeq) return true;
    if (ev.seq > run.lastSeq + 1) this.missing.add(run.id);
    run.lastSeq = ev.seq;
    const at = Date.parse(ev.at);
    if (ev.type === 'run.state') {
      run.state = ev.state as RunState;
      if (ev.state === 'running' && run.startedAt == null) run.startedAt = at;
      if (TERMINAL_RUN_STATES.has(ev.state)) run.finishedAt = at;
    } else if (ev.type === 'step.state' && ev.step) {
      const i = run.stepIndex[ev.step];
      if (i === undefined) return true;
      const step = run.steps[i];
      step.state = ev.state as StepState;
      if (ev.state === 'queued') {
        if (step.queued == null) step.queued = at;
        step.finished = null;
      } else if (ev.state === 'running') {
        if (step.started == null) step.started = at;
        step.attempts += 1;
        step.finished = null;
      } else if (ev.state === 'pending') {
        step.queued = step.started = step.finished = null;
      } else {
        step.finished = at;
      }
    } else {
      return true;
    }
    this.changed();
    return true;
  }

  /** Rows grouped by campaign, then batch; newest first. Child runs fold under their parent unless it is ``expanded``. */
  rows(filter: DashFilter = {}, expanded: ReadonlySet<number> = NOTHING_EXPANDED): Row[] {
    // Regrouped when runs come or go, the filter or the folding changes, or (filtering by state) a state moves.
    const key = [
      this.structure,
      filter.campaign,
      filter.state,
      filter.owner,
      expanded,
      filter.state ? this.version : 0,
    ];
    if (this.rowsMemo && sameKey(this.rowsMemo.key, key)) return this.rowsMemo.rows;
    const rows = this.groupRows(filter, expanded);
    this.rowsMemo = { key, rows };
    return rows;
  }

  private groupRows(filter: DashFilter, expanded: ReadonlySet<number>): Row[] {
    const byCampaign = new Map<number, DashRun[]>();
    const childrenOf = new Map<number, DashRun[]>();
    for (const run of this.runs.values()) {
      if (run.parent != null && this.runs.has(run.parent)) {
        const kids = childrenOf.get(run.parent);
        if (kids) kids.push(run);
        else childrenOf.set(run.parent, [run]);
      }
    }
    const withChildren = (row: Row & { kind: 'run' }, depth: number): Row[] => {
      const kids = (childrenOf.get(row.run.id) ?? []).sort((a, b) => a.id - b.id);
      if (!kids.length) return [row];
      const open = expanded.has(row.run.id);
      const out: Row[] = [{ ...row, children: kids.length, expanded: open, depth }];
      if (open) {
        for (const kid of kids)
          out.push(...withChildren({ kind: 'run', key: `r${kid.id}`, run: kid, nested: true }, depth + 1));
      }
      return out;
    };
    for (const run of this.runs.values()) {
      if (!matches(run, filter)) continue;
      if (run.parent != null && this.runs.has(run.parent)) continue;
      const list = byCampaign.get(run.campaign);
      if (list) list.push(run);
      else byCampaign.set(run.campaign, [run]);
    }
    const newest = (list: DashRun[]) => Math.max(...list.map((r) => r.id));
    const campaigns = [...byCampaign.entries()].sort((a, b) => newest(b[1]) - newest(a[1]));
    const rows: Row[] = [];
    for (const [campaign, runs] of campaigns) {
      runs.sort((a, b) => b.id - a.id);
      rows.push({ kind: 'campaign', key: `c${campaign}`, campaign, name: runs[0].campaignName, runs: runs.length });
      const seenBatch = new Set<number>();
      for (const run of runs) {
        if (run.batch == null) {
          rows.push(...withChildren({ kind: 'run', key: `r${run.id}`, run, nested: false }, 0));
          continue;
        }
        if (seenBatch.has(run.batch)) continue;
        seenBatch.add(run.batch);
        const members = runs.filter((r) => r.batch === run.batch).sort((a, b) => a.id - b.id);
        rows.push({
          kind: 'batch',
          key: `b${run.batch}`,
          batch: run.batch,
          campaign,
          owner: run.owner,
          runs: members.length,
        });
        for (const m of members) rows.push(...withChildren({ kind: 'run', key: `r${m.id}`, run: m, nested: true }, 1));
      }
    }
    return rows;
  }

  counts(filter: DashFilter = {}): { runs: Record<string, number>; steps: Record<string, number> } {
    const key = [this.version, filter.campaign, filter.state, filter.owner];
    if (this.countsMemo && sameKey(this.countsMemo.key, key)) return this.countsMemo.counts;
    const runs: Record<string, number> = {};
    const steps: Record<string, number> = {};
    for (const run of this.runs.values()) {
      if (!matches(run, filter)) continue;
      runs[run.state] = (runs[run.state] ?? 0) + 1;
      for (const s of run.steps) steps[s.state] = (steps[s.state] ?? 0) + 1;
    }
    this.countsMemo = { key, counts: { runs, steps } };
    return this.countsMemo.counts;
  }

  owners(): string[] {
    if (this.ownersMemo?.structure !== this.structure) {
      const owners = [...new Set([...this.runs.values()].map((r) => r.owner))].sort();
      this.ownersMemo = { structure: this.structure, owners };
    }
    return this.ownersMemo.owners;
  }

  campaigns(): { id: number; name: string }[] {
    if (this.campaignsMemo?.structure !== this.structure) {
      const out = new Map<number, string>();
      for (const r of this.runs.values()) out.set(r.campaign, r.campaignName);
      const campaigns = [...out.entries()]
        .map(([id, name]) => ({ id, name }))
        .sort((a, b) => a.name.localeCompare(b.name));
      this.campaignsMemo = { structure: this.structure, campaigns };
    }
    return this.campaignsMemo.campaigns;
  }
}

/** Bar of one step: from its first queue (or start) to its end (or `now`). Null before it was queued. */
export function stepBar(step: DashStep, now: number): { start: number; end: number } | null {
  const start = step.queued ?? step.started;
  if (start == null) return null;
  return { start, end: Math.max(start, step.finished ?? now) };
}
