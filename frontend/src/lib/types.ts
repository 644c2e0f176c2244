// Shapes of the backend API, generated from its OpenAPI schema (src/lib/generated/api.ts, `npm run api:types`).
// The names below are the ones the app imports; each is an alias of a generated schema component.
import type { components } from './generated/api';

type Schemas = components['schemas'];

export type RunState = Schemas['RunStateEnum'];
export type StepState = Schemas['StepStateEnum'];

export const RUN_STATES: RunState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const TERMINAL_RUN_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);
export const TERMINAL_STEP_STATES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export type User = Schemas['User'];
export type UserTeam = Schemas['UserTeam'];
/** Whether executable steps may be saved and run somewhere, and if not, why and whom to ask (server's words). */
export type ExecutableRight = Schemas['ExecutableRight'];

export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type ParameterType = Schemas['CampaignParameter']['type'];
/** As the server returns it; the editor also holds drafts whose type the server has not checked yet. */
export type CampaignParameter = Omit<Schemas['CampaignParameter'], 'type'> & { type: ParameterType | string };
export type GraphStep = Schemas['GraphStep'];
export type WorkflowCampaignRef = Schemas['WorkflowCampaignRef'];
export type StepResources = Schemas['StepResources'];
export type GraphBlock = Schemas['GraphBlock'];
export type GraphEdge = Schemas['GraphEdge'];
export type Graph = Schemas['Graph'];
export type Campaign = Schemas['Campaign'];
export type RunStepSnapshot = Schemas['StepRun'];
/** A run as listed; the detail (GET /api/runs/{id}/) adds its graph and blocks. */
export type Run = Schemas['Run'] & Partial<Pick<Schemas['RunDetail'], 'graph' | 'blocks'>>;
export type RunDetail = Schemas['RunDetail'];
export type RunBlock = Schemas['RunBlock'];

/** A websocket message of a run (and an item of GET /api/runs/{id}/events/): one type per `type`. */
export type RunEvent = Schemas['RunEventMessage'];
export type RunStateEvent = Schemas['RunStateEvent'];
export type StepStateEvent = Schemas['StepStateEvent'];
export type StepLogEvent = Schemas['StepLogEvent'];
export type StepBackendEvent = Schemas['StepBackendEvent'];

/** The answer to a batch launch: the batch, counts per state and each run's id and state, in launch order. */
export type BatchLaunch = Schemas['BatchLaunch'];

export type FunctionInfo = Schemas['Function'];
/** One entry of GET /api/backends/: an execution backend, whether a worker serves it, and its load. */
export type BackendStatus = Schemas['Backend'];
