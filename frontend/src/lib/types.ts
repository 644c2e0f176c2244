// Shapes of the backend API, generated from its OpenAPI schema (src/lib/generated/api.ts, `npm run api:types`).
// The names below are the ones the app imports: a schema component under its own name, or renamed where the app
// calls it something else.
import type {
  CampaignParameter as ServerCampaignParameter,
  Run as ListedRun,
  RunDetail,
  RunStateEnum,
} from './generated/api';

export type {
  /** The answer to a batch launch: the batch, counts per state and each run's id and state, in launch order. */
  BatchLaunch,
  Campaign,
  /** Whether executable steps may be saved and run somewhere, and if not, why and whom to ask (server's words). */
  ExecutableRight,
  Graph,
  GraphBlock,
  GraphEdge,
  GraphStep,
  RunBlock,
  RunDetail,
  RunStateEvent,
  StepBackendEvent,
  StepLogEvent,
  StepResources,
  StepStateEvent,
  User,
  UserTeam,
  WorkflowCampaignRef,
  /** One entry of GET /api/backends/: an execution backend, whether a worker serves it, and its load. */
  Backend as BackendStatus,
  ChildRunProgress as ChildProgress,
  Function as FunctionInfo,
  /** A websocket message of a run (and an item of GET /api/runs/{id}/events/): one type per `type`. */
  RunEventMessage as RunEvent,
  RunStateEnum as RunState,
  StepRun as RunStepSnapshot,
  StepStateEnum as StepState,
} from './generated/api';

export const RUN_STATES: RunStateEnum[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const TERMINAL_RUN_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);
export const TERMINAL_STEP_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type ParameterType = ServerCampaignParameter['type'];
/** As the server returns it; the editor also holds drafts whose type the server has not checked yet. */
export type CampaignParameter = Omit<ServerCampaignParameter, 'type'> & { type: ParameterType | string };
/** A run as listed; the detail (GET /api/runs/{id}/) adds its graph and blocks. */
export type Run = ListedRun & Partial<Pick<RunDetail, 'graph' | 'blocks'>>;
