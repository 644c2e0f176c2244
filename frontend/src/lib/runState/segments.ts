// Timeline segments (queued, waiting in a backend, running) of each step's attempts.
import { isRunTerminal } from './display';
import type { ItemView, RunView, Segment, StepView } from './types';

/**
 * The instant open segments extend to. For a finished run this is its finish
 * time; otherwise the client clock, but never before the latest event.
 */
export function timelineNow(view: RunView, clientNow: number): number {
  if (isRunTerminal(view.state)) {
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
  const start = view.startedAt;
  if (start != null && earliest != null) return Math.min(start, earliest);
  return start ?? earliest ?? view.firstEventAt ?? view.createdAt;
}

/** True while something on the timeline is still growing. */
export function hasOpenSegments(view: RunView): boolean {
  if (isRunTerminal(view.state)) return false;
  return view.stepOrder.some((id) =>
    view.steps[id]?.attempts.some((a) => a.finishedAt == null && (a.queuedAt != null || a.startedAt != null)),
  );
}

/** The running segment of a `for_each` item's latest attempt (items are not queued on their own). */
export function itemSegments(stepId: string, item: ItemView, now: number): Segment[] {
  if (item.startedAt == null) return [];
  const end = item.finishedAt ?? now;
  const open = item.finishedAt == null && item.state === 'running';
  return [
    {
      stepId,
      attempt: item.attempt,
      kind: 'running',
      start: item.startedAt,
      end: Math.max(open ? now : end, item.startedAt),
      open,
      state: open ? 'running' : item.state,
    },
  ];
}
