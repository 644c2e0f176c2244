// Folding a run's websocket events into step states, attempts and timeline
// segments. Pure functions on immutable values; no React.
//
// Events are the source of truth for the timeline. The run detail snapshot
// (GET /api/runs/{id}/) is only used for names/graph and to show sensible
// states before the event replay has caught up with it.
import type { Graph, Run, RunEvent, RunState, StepBackendEvent, StepState, StepStateEvent } from './types';
import { TERMINAL_RUN_STATES, TERMINAL_STEP_STATES } from './types';

export interface Attempt {
  attempt: number;
  /** Latest state of this attempt (queued, running, or an outcome). */
  state: StepState;
  /** Epoch milliseconds. */
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  result?: unknown;
  error?: unknown;
  /** An HPC backend reported its own states (`step.backend` events) for this attempt. */
  backendReported?: boolean;
  /** Epoch ms the backend said the task really started executing (null: still waiting in it). */
  executingAt?: number | null;
  /** Name of the backend that reported (the event names it). */
  backend?: string;
}

export interface StepView {
  id: string;
  name: string;
  /** State folded from events ('pending' before any event). */
  state: StepState;
  attempts: Attempt[];
  result?: unknown;
  error?: unknown;
  /** The success event said the result was too large to include. */
  resultTruncated?: boolean;
  /** Execution backend named by the graph step (thread, radical, dask, …). */
  backend?: string;
}

export interface StepSnapshot {
  state: StepState;
  attempts: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  result?: unknown;
  error?: unknown;
}

export interface RunView {
  runId: number;
  /** Run state folded from events. */
  state: RunState;
  createdAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /** Highest seq applied; every seq in 1..lastSeq has been applied exactly once. */
  lastSeq: number;
  /** Events received ahead of a gap, sorted by seq, waiting for the gap to fill. */
  pending: RunEvent[];
  steps: Record<string, StepView>;
  stepOrder: string[];
  /** Output lines from `step.log` events, per step (the newest LOG_LINES_KEPT), as the stored log reads. */
  logs: Record<string, string[]>;
  firstEventAt: number | null;
  lastEventAt: number | null;
  /** What GET /api/runs/{id}/ said when the page loaded. */
  snapshot: {
    seq: number;
    state: RunState;
    startedAt: number | null;
    finishedAt: number | null;
    steps: Record<string, StepSnapshot>;
  };
}

export type Segment = {
  stepId: string;
  attempt: number;
  /** 'waiting': running as far as the studio knows, but still waiting inside the backend (pilot, cluster). */
  kind: 'queued' | 'waiting' | 'running';
  /** Epoch ms. */
  start: number;
  end: number;
  /** True while the segment is still growing (no closing event yet). */
  open: boolean;
  /** 'queued' for queued segments; the attempt's state/outcome for running and waiting ones. */
  state: StepState;
  /** Backend a waiting segment waits in. */
  backend?: string;
};

export const LOG_LINES_KEPT = 5000;

/** Parse an ISO timestamp to epoch ms (null for null/invalid). */
export function parseTime(value: unknown): number | null {
  if (typeof value !== 'string' || !value) return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function emptyStep(id: string, name?: string, backend?: string): StepView {
  const step: StepView = { id, name: name || id, state: 'pending', attempts: [] };
  if (backend) step.backend = backend;
  return step;
}

/** Build the initial view from the run detail response. Nothing is folded yet (lastSeq 0). */
export function createRunView(run: Run, graph?: Graph): RunView {
  const g = graph ?? run.graph ?? { steps: [], edges: [] };
  const steps: Record<string, StepView> = {};
  const stepOrder: string[] = [];
  const snapSteps: Record<string, StepSnapshot> = {};

  for (const s of g.steps ?? []) {
    if (steps[s.id]) continue;
    steps[s.id] = emptyStep(s.id, s.name, s.backend);
    stepOrder.push(s.id);
  }
  for (const s of run.steps ?? []) {
    if (!steps[s.step]) {
      steps[s.step] = emptyStep(s.step, s.name);
      stepOrder.push(s.step);
    } else if (s.name && steps[s.step].name === s.step) {
      steps[s.step] = { ...steps[s.step], name: s.name };
    }
    snapSteps[s.step] = {
      state: s.state,
      attempts: s.attempts ?? 0,
      queuedAt: parseTime(s.queued_at),
      startedAt: parseTime(s.started_at),
      finishedAt: parseTime(s.finished_at),
      result: s.result,
      error: s.error,
    };
  }

  return {
    runId: run.id,
    state: 'queued',
    createdAt: parseTime(run.created_at),
    startedAt: null,
    finishedAt: null,
    lastSeq: 0,
    pending: [],
    steps,
    stepOrder,
    logs: {},
    firstEventAt: null,
    lastEventAt: null,
    snapshot: {
      seq: typeof run.last_seq === 'number' ? run.last_seq : 0,
      state: run.state,
      startedAt: parseTime(run.started_at),
      finishedAt: parseTime(run.finished_at),
      steps: snapSteps,
    },
  };
}

/**
 * Apply one event. Events with seq <= lastSeq (duplicates, replays after a
 * reconnect) are ignored and the same object is returned. Events ahead of a
 * gap are buffered in `pending` and applied once the missing ones arrive.
 */
export function applyEvent(view: RunView, event: RunEvent): RunView {
  if (!event || typeof event.seq !== 'number' || !Number.isFinite(event.seq)) return view;
  if (event.run != null && Number(event.run) !== view.runId) return view;
  if (event.seq <= view.lastSeq) return view;

  if (event.seq > view.lastSeq + 1) {
    if (view.pending.some((p) => p.seq === event.seq)) return view;
    const pending = [...view.pending, event].sort((a, b) => a.seq - b.seq);
    return { ...view, pending };
  }

  let next = reduceEvent(view, event);
  next.lastSeq = event.seq;
  // Drain buffered events that are now contiguous.
  if (next.pending.length) {
    let pending = next.pending.filter((p) => p.seq > next.lastSeq);
    while (pending.length && pending[0].seq === next.lastSeq + 1) {
      const ev = pending[0];
      pending = pending.slice(1);
      next = reduceEvent(next, ev);
      next.lastSeq = ev.seq;
    }
    next.pending = pending;
  }
  return next;
}

/** Fold a list of events (any order, duplicates allowed). */
export function applyEvents(view: RunView, events: readonly RunEvent[]): RunView {
  let v = view;
  for (const ev of events) v = applyEvent(v, ev);
  return v;
}

/** Whether events are buffered behind a missing seq. */
export function hasGap(view: RunView): boolean {
  return view.pending.length > 0;
}

// ---------------------------------------------------------------------------

/** Apply an event's effect, ignoring seq bookkeeping. Returns a new view. */
function reduceEvent(view: RunView, event: RunEvent): RunView {
  const at = parseTime(event.at);
  const next: RunView = {
    ...view,
    firstEventAt: view.firstEventAt ?? at,
    lastEventAt: at != null ? Math.max(view.lastEventAt ?? at, at) : view.lastEventAt,
  };

  if (event.type === 'run.state') {
    const state = event.state as RunState;
    next.state = state;
    if (state === 'queued' && next.createdAt == null) next.createdAt = at;
    if (state === 'running') {
      next.startedAt = next.startedAt ?? at;
      next.finishedAt = null;
    }
    if (TERMINAL_RUN_STATES.has(state)) {
      next.finishedAt = at;
      if (next.startedAt == null && state !== 'cancelled') next.startedAt = at;
    }
    return next;
  }

  if (event.type === 'step.log' && event.step) {
    const data = event.data ?? { lines: [], prefix: '' };
    const texts = Array.isArray(data.lines) ? data.lines.map((l) => String(l)) : [];
    if (!texts.length) return next;
    // The server words the log (logformat.py): a header line opens each attempt, `prefix` marks the stream.
    const kept = [...(view.logs[event.step] ?? [])];
    if (data.header) kept.push(data.header);
    const prefix = data.prefix ?? '';
    for (const t of texts) kept.push(prefix + t);
    next.logs = { ...view.logs, [event.step]: kept.length > LOG_LINES_KEPT ? kept.slice(-LOG_LINES_KEPT) : kept };
    return next;
  }

  if (event.type === 'step.state' && event.step) {
    const current = view.steps[event.step];
    const step = reduceStep(current ?? emptyStep(event.step), event, at ?? view.lastEventAt ?? 0);
    next.steps = { ...view.steps, [event.step]: step };
    if (!current) next.stepOrder = [...view.stepOrder, event.step];
    return next;
  }

  if (event.type === 'step.backend' && event.step && view.steps[event.step] && at != null) {
    const step = reduceBackendState(view.steps[event.step], event, at);
    if (step !== view.steps[event.step]) next.steps = { ...view.steps, [event.step]: step };
  }
  return next;
}

/** A backend's own state for the running attempt: marks it as waiting in the backend until execution starts. */
function reduceBackendState(step: StepView, event: StepBackendEvent, at: number): StepView {
  const data = event.data;
  const backendState = typeof data?.backend_state === 'string' ? data.backend_state : null;
  if (!backendState) return step;
  const number = attemptFromData(data) ?? step.attempts[step.attempts.length - 1]?.attempt ?? null;
  const index = step.attempts.findIndex((a) => a.attempt === number);
  if (index < 0) return step;
  const attempt = { ...step.attempts[index] };
  attempt.backendReported = true;
  attempt.backend = attempt.backend ?? data?.backend ?? step.backend;
  const executes = data?.phase === 'executing';
  const after = data?.phase === 'done';
  if (executes || (after && attempt.executingAt == null)) {
    // Reports may arrive out of order: the earliest start wins.
    attempt.executingAt = attempt.executingAt == null ? at : Math.min(attempt.executingAt, at);
  } else if (attempt.executingAt === undefined) {
    attempt.executingAt = null;
  }
  const attempts = [...step.attempts];
  attempts[index] = attempt;
  return { ...step, attempts };
}

function attemptFromData(data: { attempt?: unknown } | null | undefined): number | null {
  const raw = data?.attempt;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && /^\d+$/.test(raw)) return Number(raw);
  return null;
}

function reduceStep(step: StepView, event: StepStateEvent, at: number): StepView {
  const state = event.state;
  const data: StepStateEvent['data'] = event.data ?? {};
  const attempts = step.attempts.map((a) => ({ ...a }));
  const last = attempts[attempts.length - 1];
  const next: StepView = { ...step, state, attempts };

  if ('result' in data) {
    next.result = data.result;
    next.resultTruncated = false;
  } else if (data.result_truncated) {
    next.result = undefined;
    next.resultTruncated = true;
  }
  if ('error' in data) next.error = data.error;

  if (state === 'pending') return next;

  let number = attemptFromData(data);
  if (number == null) {
    const lastOpen = last && last.finishedAt == null;
    if (state === 'queued') number = (last?.attempt ?? 0) + 1;
    else if (state === 'running') number = lastOpen ? last.attempt : (last?.attempt ?? 0) + 1;
    else number = last ? last.attempt : null;
  }

  if (number == null) {
    // e.g. skipped / cancelled before ever being queued: no attempt, no segment.
    return next;
  }

  let attempt = attempts.find((a) => a.attempt === number);
  if (!attempt) {
    if (state === 'skipped') return next;
    // A new attempt starts: close earlier attempts still open (implicit retry).
    for (const a of attempts) {
      if (a.finishedAt == null) {
        a.finishedAt = at;
        a.state = a.startedAt != null ? 'failed' : 'cancelled';
      }
    }
    attempt = { attempt: number, state, queuedAt: null, startedAt: null, finishedAt: null };
    attempts.push(attempt);
    attempts.sort((a, b) => a.attempt - b.attempt);
  }

  switch (state) {
    case 'queued':
      attempt.queuedAt = attempt.queuedAt ?? at;
      attempt.state = 'queued';
      break;
    case 'running':
      attempt.startedAt = at;
      attempt.finishedAt = null;
      attempt.state = 'running';
      break;
    default:
      if (TERMINAL_STEP_STATES.has(state)) {
        attempt.finishedAt = at;
        attempt.state = state;
      } else {
        attempt.state = state;
      }
  }
  if ('result' in data) attempt.result = data.result;
  if ('error' in data) attempt.error = data.error;
  if (state === 'succeeded' && !('error' in data)) next.error = undefined;
  return next;
}

// ---------------------------------------------------------------------------
// Selectors

/** True when events have caught up with the snapshot the page loaded. */
export function caughtUp(view: RunView): boolean {
  return view.lastSeq > 0 && view.lastSeq >= view.snapshot.seq;
}

/** Run state to display: the snapshot until the replay catches up, then the folded one. */
export function displayRunState(view: RunView): RunState {
  return caughtUp(view) ? view.state : view.snapshot.state;
}

/** Step state to display (see displayRunState). */
export function displayStepState(view: RunView, stepId: string): StepState {
  if (!caughtUp(view)) {
    const snap = view.snapshot.steps[stepId];
    if (snap) return snap.state;
  }
  return view.steps[stepId]?.state ?? 'pending';
}

export interface StepDetails {
  id: string;
  name: string;
  state: StepState;
  attempts: Attempt[];
  attemptCount: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  result: unknown;
  error: unknown;
  /** The result exists but only the run detail endpoint has it. */
  resultTruncated: boolean;
}

/** Everything the details panel shows for a step, merging events with the snapshot. */
export function stepDetails(view: RunView, stepId: string): StepDetails | null {
  const step = view.steps[stepId];
  const snap = view.snapshot.steps[stepId];
  if (!step && !snap) return null;
  const attempts = step?.attempts ?? [];
  const first = attempts[0];
  const latest = attempts[attempts.length - 1];
  const useEvents = caughtUp(view) || !snap;
  return {
    id: stepId,
    name: step?.name ?? stepId,
    state: displayStepState(view, stepId),
    attempts,
    attemptCount: useEvents ? attempts.length : Math.max(snap?.attempts ?? 0, attempts.length),
    queuedAt: (useEvents ? first?.queuedAt : snap?.queuedAt) ?? null,
    startedAt: (useEvents ? latest?.startedAt : snap?.startedAt) ?? null,
    finishedAt: (useEvents ? latest?.finishedAt : snap?.finishedAt) ?? null,
    result: step?.result !== undefined ? step.result : snap?.result,
    error: step?.error !== undefined ? step.error : snap?.error,
    resultTruncated: !!step?.resultTruncated && (snap?.result === undefined || snap?.result === null),
  };
}

export function isRunTerminal(state: string): boolean {
  return TERMINAL_RUN_STATES.has(state);
}

/**
 * The instant open segments extend to. For a finished run this is its finish
 * time; otherwise the client clock, but never before the latest event.
 */
export function timelineNow(view: RunView, clientNow: number): number {
  if (isRunTerminal(view.state) && view.lastSeq > 0) {
    return view.finishedAt ?? view.lastEventAt ?? clientNow;
  }
  return Math.max(clientNow, view.lastEventAt ?? clientNow);
}

/** Timeline segments of one step: per attempt a queued segment then a running one. */
export function stepSegments(step: StepView, now: number): Segment[] {
  const out: Segment[] = [];
  for (const a of step.attempts) {
    if (a.queuedAt != null) {
      const endRaw = a.startedAt ?? a.finishedAt;
      const end = endRaw ?? now;
      out.push({
        stepId: step.id,
        attempt: a.attempt,
        kind: 'queued',
        start: a.queuedAt,
        end: Math.max(end, a.queuedAt),
        open: endRaw == null,
        state: 'queued',
      });
    }
    if (a.startedAt != null) {
      const end = a.finishedAt ?? now;
      let runStart = a.startedAt;
      if (a.backendReported) {
        // From `running` until the backend executes the task: waiting in the pilot or cluster.
        const waitEndRaw = a.executingAt != null ? Math.min(Math.max(a.executingAt, a.startedAt), end) : null;
        const waitEnd = waitEndRaw ?? end;
        const executing = waitEndRaw != null;
        out.push({
          stepId: step.id,
          attempt: a.attempt,
          kind: 'waiting',
          start: a.startedAt,
          end: Math.max(waitEnd, a.startedAt),
          open: !executing && a.finishedAt == null,
          state: a.finishedAt == null || executing ? 'running' : a.state,
          backend: a.backend ?? step.backend ?? 'backend',
        });
        if (!executing) continue;
        runStart = waitEnd;
      }
      out.push({
        stepId: step.id,
        attempt: a.attempt,
        kind: 'running',
        start: runStart,
        end: Math.max(end, runStart),
        open: a.finishedAt == null,
        state: a.finishedAt == null ? 'running' : a.state,
      });
    }
  }
  return out;
}

/** Segments of every step, keyed by step id. */
export function runSegments(view: RunView, now: number): Record<string, Segment[]> {
  const out: Record<string, Segment[]> = {};
  for (const id of view.stepOrder) {
    const step = view.steps[id];
    out[id] = step ? stepSegments(step, now) : [];
  }
  return out;
}

/**
 * Time zero of the timeline axis: the run's start, or the first step activity
 * if that came earlier (the backend queues the first steps at launch, before
 * the run turns running); else the first event, else creation.
 */
export function timelineOrigin(view: RunView): number | null {
  let earliest: number | null = null;
  for (const id of view.stepOrder) {
    for (const a of view.steps[id]?.attempts ?? []) {
      const t = a.queuedAt ?? a.startedAt;
      if (t != null && (earliest == null || t < earliest)) earliest = t;
    }
  }
  const start = view.startedAt ?? view.snapshot.startedAt;
  if (start != null && earliest != null) return Math.min(start, earliest);
  return start ?? earliest ?? view.firstEventAt ?? view.createdAt;
}

/** True while something on the timeline is still growing. */
export function hasOpenSegments(view: RunView): boolean {
  if (isRunTerminal(view.state) && view.lastSeq > 0) return false;
  return view.stepOrder.some((id) =>
    view.steps[id]?.attempts.some((a) => a.finishedAt == null && (a.queuedAt != null || a.startedAt != null)),
  );
}
