// The shapes a run page folds a run into: steps, their attempts, timeline segments.
import type { RunEvent, RunState, StepState } from '../types';

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
