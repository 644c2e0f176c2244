// Shape of GET /api/dashboard/ (times are epoch milliseconds).
import type { RunState, StepState } from './types';

/** [id, name, state, attempts, queued_at, started_at, finished_at] */
export type FeedStep = [string, string, StepState, number, number | null, number | null, number | null];

export interface FeedRun {
  id: number;
  campaign: number;
  campaign_name: string;
  batch: number | null;
  owner: string;
  state: RunState;
  parameters: Record<string, unknown>;
  created_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  last_seq: number;
  /** A child run of a workflow step: its parent run. */
  parent?: number | null;
  steps: FeedStep[];
}

export interface DashboardFeed {
  now: number;
  runs: FeedRun[];
  counts: Record<string, number>;
  truncated: boolean;
}
