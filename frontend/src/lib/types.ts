// Shapes of the backend API (see the contract in README.md).

export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type StepState =
  | 'pending'
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled';

export const RUN_STATES: RunState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const TERMINAL_RUN_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);
export const TERMINAL_STEP_STATES: ReadonlySet<string> = new Set([
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
]);

/** Whether executable steps may be saved and run somewhere, and if not, why and whom to ask (server's words). */
export interface ExecutableRight {
  allowed: boolean;
  reason: string | null;
}

export interface UserTeam {
  id: number;
  name: string;
  role: string;
  /** A site admin allowed this team executable steps. */
  may_run_executables: boolean;
  /** Whether you may use them in this team (your role counts too). */
  executables: ExecutableRight;
}

export interface User {
  id: number;
  username: string;
  is_staff: boolean;
  teams?: UserTeam[];
  /** Executable steps in campaigns outside any team. */
  executables?: ExecutableRight;
}

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type ParameterType = 'string' | 'integer' | 'number' | 'boolean' | 'choice' | 'json';

export interface CampaignParameter {
  name: string;
  type: ParameterType | string;
  default?: unknown;
  description?: string;
  /** Backend extras: `required`, and `choices` for type "choice". */
  required?: boolean;
  choices?: unknown[];
}

export interface GraphStep {
  id: string;
  name: string;
  kind: 'function' | 'executable' | 'workflow' | string;
  function?: string;
  /** A workflow step: the campaign it runs, the version pinned at save, its parameters. */
  campaign?: number | { id: number; name: string };
  version?: number | null;
  parameters?: Record<string, unknown>;
  for_each?: unknown[] | string | null;
  max_parallel?: number | null;
  kwargs?: Record<string, unknown>;
  argv?: string[];
  env?: Record<string, string>;
  cwd?: string | null;
  backend?: string;
  retries?: number;
  retry_delay_s?: number | null;
  timeout_s?: number | null;
  position?: { x: number; y: number } | null;
  block?: string | null;
  resources?: StepResources | null;
  description?: string;
}

export interface StepResources {
  cores?: number;
  gpus?: number;
  walltime?: string | number;
  partition?: string;
  memory_mb?: number;
}

export interface GraphBlock {
  id: string;
  name: string;
  parent?: string | null;
}

export interface GraphEdge {
  source: string;
  target: string;
}

export interface Graph {
  steps: GraphStep[];
  edges: GraphEdge[];
  blocks?: GraphBlock[];
}

export interface Campaign {
  id: number;
  name: string;
  description: string;
  version: number;
  owner: string;
  created_at: string | null;
  updated_at: string | null;
  parameters: CampaignParameter[];
  graph: Graph;
  team?: number | null;
  /** May you save, launch and retry executable steps in this campaign (its team, or none)? */
  executables?: ExecutableRight | null;
}

export interface RunStepSnapshot {
  step: string;
  name: string;
  state: StepState;
  attempts: number;
  queued_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  result: unknown;
  error: unknown;
}

/** The answer to a batch launch (`POST /api/campaigns/{id}/runs/` with `instances`): ids and states, in launch order. */
export interface BatchLaunch {
  batch: number;
  campaign: number;
  version: number;
  count: number;
  counts: Partial<Record<RunState, number>>;
  runs: { id: number; state: RunState }[];
}

export interface Run {
  id: number;
  campaign: number;
  campaign_name: string;
  version: number;
  owner?: string;
  batch?: number | null;
  state: RunState;
  parameters: Record<string, unknown>;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  last_seq?: number;
  graph?: Graph;
  steps?: RunStepSnapshot[];
}

export interface RunEvent {
  seq: number;
  run: number;
  step: string | null;
  type: 'run.state' | 'step.state' | string;
  state: string;
  at: string;
  data?: Record<string, unknown> | null;
}

export interface FunctionInfo {
  name: string;
  description: string;
  schema: unknown;
}

/** One entry of GET /api/backends/: an execution backend, whether a worker serves it, and its load. */
export interface BackendStatus {
  name: string;
  queue: string;
  up: boolean;
  /** "up", the engine's state ("starting", "failed", …) or "no worker". */
  state: string;
  error: string | null;
  workers: Record<string, unknown>[];
  queue_depth: number;
  queued_steps: number;
  running_steps: number;
  resources: Record<string, unknown>;
}
