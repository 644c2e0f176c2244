// Folding a run's websocket events into step states, attempts and logs.
// Pure functions on immutable values; no React.
import type { RunEvent, RunState, StepBackendEvent, StepState, StepStateEvent } from '../types';
import { TERMINAL_RUN_STATES, TERMINAL_STEP_STATES } from '../types';
import { emptyStep } from './snapshot';
import { LOG_LINES_KEPT, parseTime, type ItemView, type LogChunk, type RunView, type StepView } from './types';

/**
 * Whether an event is ahead of the next one the view expects. The run socket
 * replays everything after `?after=` before it streams, in seq order, so this
 * never happens on a sound connection; a client that sees it reconnects with
 * `?after=lastSeq` rather than buffering or refetching.
 */
export function eventGap(view: RunView, event: RunEvent): boolean {
  return typeof event?.seq === 'number' && event.seq > view.lastSeq + 1 && sameRun(view, event);
}

function sameRun(view: RunView, event: RunEvent): boolean {
  return event.run == null || Number(event.run) === view.runId;
}

/**
 * Apply the next event. One the view already holds (seq <= lastSeq: part of
 * the snapshot, or a replay overlapping what was applied) returns the same
 * object; so does one past a gap (see eventGap), which is not applied.
 */
export function applyEvent(view: RunView, event: RunEvent): RunView {
  if (!event || typeof event.seq !== 'number' || !Number.isFinite(event.seq)) return view;
  if (!sameRun(view, event) || event.seq !== view.lastSeq + 1) return view;
  const next = reduceEvent(view, event);
  next.lastSeq = event.seq;
  return next;
}

/** Fold events in seq order; stops applying at the first gap. */
export function applyEvents(view: RunView, events: readonly RunEvent[]): RunView {
  let v = view;
  for (const ev of events) v = applyEvent(v, ev);
  return v;
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
    const prefix = data.prefix ?? '';
    const lines = data.header ? [data.header] : [];
    for (const t of texts) lines.push(prefix + t);
    next.logs = {
      ...view.logs,
      [event.step]: keepNewest([...(view.logs[event.step] ?? []), { seq: event.seq, lines }]),
    };
    return next;
  }

  const loose: RunEvent = event; // step.item narrows to the generated StepItemEvent (event_messages.py)
  if (loose.type === 'step.item' && loose.step && at != null) {
    const items = reduceItem(view.items[loose.step] ?? [], loose.state as StepState, loose.data ?? {}, at);
    if (items) next.items = { ...view.items, [loose.step]: items };
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

/** The newest LOG_LINES_KEPT lines of a step's chunks (the oldest chunk kept may lose its first lines). */
function keepNewest(chunks: LogChunk[]): LogChunk[] {
  let total = 0;
  for (let i = chunks.length - 1; i >= 0; i--) {
    total += chunks[i].lines.length;
    if (total >= LOG_LINES_KEPT) {
      const cut = total - LOG_LINES_KEPT;
      const first = cut ? { seq: chunks[i].seq, lines: chunks[i].lines.slice(cut) } : chunks[i];
      return i === 0 && !cut ? chunks : [first, ...chunks.slice(i + 1)];
    }
  }
  return chunks;
}

interface ItemEventData {
  index?: unknown;
  attempt?: unknown;
  error?: unknown;
}

/** A `step.item` event (services/fan_out.py: running per attempt, then an outcome, or pending before a retry). */
function reduceItem(items: ItemView[], state: StepState, data: ItemEventData, at: number): ItemView[] | null {
  const index = typeof data.index === 'number' && Number.isInteger(data.index) && data.index >= 0 ? data.index : null;
  if (index == null || !state) return null;
  const next = [...items];
  let position = next.findIndex((i) => i.index === index);
  if (position < 0) {
    next.push({ index, state: 'pending', attempt: 0, startedAt: null, finishedAt: null });
    next.sort((a, b) => a.index - b.index);
    position = next.findIndex((i) => i.index === index);
  }
  const item = { ...next[position], state };
  const attempt = attemptFromData(data);
  if (attempt != null) item.attempt = attempt;
  if (state === 'running') {
    item.startedAt = at;
    item.finishedAt = null;
    item.error = undefined;
  } else if (TERMINAL_STEP_STATES.has(state)) {
    item.finishedAt = at;
  }
  if ('error' in data) item.error = data.error;
  next[position] = item;
  return next;
}
