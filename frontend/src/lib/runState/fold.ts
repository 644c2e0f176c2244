// Folding a run's websocket events into step states, attempts and logs.
// Pure functions on immutable values; no React.
import type { RunEvent, RunState, StepBackendEvent, StepStateEvent } from '../types';
import { TERMINAL_RUN_STATES, TERMINAL_STEP_STATES } from '../types';
import { emptyStep } from './snapshot';
import { LOG_LINES_KEPT, parseTime, type RunView, type StepView } from './types';

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
