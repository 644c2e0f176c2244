// What the run page shows for the run and each step: the snapshot until events catch up, then the folded view.
import type { RunState, StepState } from '../types';
import { TERMINAL_RUN_STATES } from '../types';
import type { Attempt, RunView } from './types';

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
