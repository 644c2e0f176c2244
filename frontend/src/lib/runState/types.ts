// The shapes a run page folds a run into: steps, their attempts, timeline segments.
import type { RunState, StepState } from '../types';

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

export interface RunView {
  runId: number;
  /** The snapshot's run state, then as events move it. */
  state: RunState;
  createdAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  /**
   * The seq the view is current to: the snapshot's `last_seq`, then each event
   * folded on top (every seq in snapshot+1..lastSeq applied once, in order).
   */
  lastSeq: number;
  steps: Record<string, StepView>;
  stepOrder: string[];
  /** Items of `for_each` steps, by step id, in item order (the snapshot's, then `step.item` events). */
  items: Record<string, ItemView[]>;
  /** `step.log` events since the snapshot, per step (the newest LOG_LINES_KEPT lines), as the stored log reads. */
  logs: Record<string, LogChunk[]>;
  firstEventAt: number | null;
  lastEventAt: number | null;
}

/** One item of a `for_each` step. */
export interface ItemView {
  index: number;
  state: StepState;
  attempt: number;
  /** Epoch ms of the latest attempt. */
  startedAt: number | null;
  finishedAt: number | null;
  error?: unknown;
}

/** The lines one `step.log` event added to a step's log (an attempt's header first, when it opens one). */
export interface LogChunk {
  seq: number;
  lines: string[];
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
