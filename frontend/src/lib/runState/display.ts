// What the run page shows for each step, read off the view.
import type { StepState } from '../types';
import { TERMINAL_RUN_STATES } from '../types';
import type { Attempt, RunView } from './types';

export function displayStepState(view: RunView, stepId: string): StepState {
  return view.steps[stepId]?.state ?? 'pending';
}

export interface StepDetails {
  id: string;
  name: string;
  state: StepState;
  /** The attempts the view knows: the snapshot's latest one, and every one since. */
  attempts: Attempt[];
  /** Number of the latest attempt (attempts before the snapshot have no entry of their own). */
  attemptCount: number;
  queuedAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  result: unknown;
  error: unknown;
  /** The result exists but only the run detail endpoint has it. */
  resultTruncated: boolean;
}

/** Everything the details panel shows for a step. */
export function stepDetails(view: RunView, stepId: string): StepDetails | null {
  const step = view.steps[stepId];
  if (!step) return null;
  const attempts = step.attempts;
  const first = attempts[0];
  const latest = attempts[attempts.length - 1];
  return {
    id: stepId,
    name: step.name,
    state: step.state,
    attempts,
    attemptCount: latest?.attempt ?? 0,
    queuedAt: first?.queuedAt ?? null,
    startedAt: latest?.startedAt ?? null,
    finishedAt: latest?.finishedAt ?? null,
    result: step.result,
    error: step.error,
    resultTruncated: !!step.resultTruncated,
  };
}

export function isRunTerminal(state: string): boolean {
  return TERMINAL_RUN_STATES.has(state);
}
