// Shorthands for the run-view tests: seconds after T0, and a step's segments as compact tuples.
import { stepSegments, type createRunView } from '../lib/runState';
import { T0 } from './fixtures';

export const at = (s: number) => T0 + s * 1000;

/** Segments as compact tuples [kind, attempt, startS, endS, state, open]. */
export function simple(view: ReturnType<typeof createRunView>, stepId: string, now = at(100)) {
  return stepSegments(view.steps[stepId], now).map((s) => [
    s.kind,
    s.attempt,
    (s.start - T0) / 1000,
    (s.end - T0) / 1000,
    s.state,
    s.open,
  ]);
}
