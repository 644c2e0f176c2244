// Thin fetch wrapper for the Django JSON API. No React in here.
import type {
  BackendStatus,
  BatchLaunch,
  Campaign,
  FunctionInfo,
  Paginated,
  Run,
  RunBlock,
  RunEvent,
  User,
} from './types';
import type { DashboardFeed } from './dashboardStore';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Read one cookie's value from a `document.cookie`-style string. */
export function getCookie(name: string, cookies?: string): string | null {
  const source = cookies ?? (typeof document !== 'undefined' ? document.cookie : '');
  for (const part of source.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        return raw;
      }
    }
  }
  return null;
}

/** Turn a DRF/Django error body into one human readable message. */
export function messageFromBody(body: unknown, status: number): string {
  const fallback = status ? `Request failed (HTTP ${status})` : 'Request failed';
  if (body == null) return fallback;
  if (typeof body === 'string') return body.trim() || fallback;
  if (Array.isArray(body)) {
    const first = body.find((x) => typeof x === 'string');
    return typeof first === 'string' ? first : fallback;
  }
  if (typeof body === 'object') {
    const obj = body as Record<string, unknown>;
    // DRF: {"detail": "msg"}, or {"detail": ["msg"]} from ValidationError({"detail": ...}).
    for (const key of ['detail', 'non_field_errors', 'message', 'error']) {
      const text = flattenMessages(obj[key]);
      if (text.length) return text.join(' ');
    }
    const parts: string[] = [];
    for (const [key, value] of Object.entries(obj)) {
      const text = flattenMessages(value);
      if (text.length) parts.push(`${key}: ${text.join(' ')}`);
    }
    if (parts.length) return parts.join('; ');
  }
  return fallback;
}

/** Flatten nested DRF error values (lists / dicts of lists) into strings. */
export function flattenMessages(value: unknown): string[] {
  if (value == null) return [];
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(flattenMessages);
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      flattenMessages(v).map((m) => `${k}: ${m}`),
    );
  }
  return [];
}

/** What to show for a failed request or any other thrown value. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(status: number, body: unknown, message?: string) {
    super(message ?? messageFromBody(body, status));
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }

  get isAuthError(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

export interface RequestOptions {
  method?: string;
  /** JSON-serialisable body. */
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  signal?: AbortSignal;
  /** Don't notify the unauthorized handler on 401/403 (used by auth calls). */
  skipAuthHandler?: boolean;
}

type UnauthorizedHandler = (error: ApiError) => void;
let unauthorizedHandler: UnauthorizedHandler | null = null;

/** Register a callback run when any API call answers 401/403 (e.g. expired session). */
export function setUnauthorizedHandler(handler: UnauthorizedHandler | null): void {
  unauthorizedHandler = handler;
}

export function buildUrl(path: string, query?: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const qs = params.toString();
  if (!qs) return path;
  return path + (path.includes('?') ? '&' : '?') + qs;
}

/**
 * Call the API. Sends cookies (same-origin), JSON bodies, and the CSRF token
 * from the `csrftoken` cookie on unsafe methods. Resolves with the parsed JSON
 * (undefined for 204 / empty bodies); rejects with ApiError carrying the
 * server's message on non-2xx answers.
 */
export async function apiFetch<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = (options.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = { method, headers, credentials: 'same-origin', signal: options.signal };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (!SAFE_METHODS.has(method)) {
    const token = getCookie('csrftoken');
    if (token) headers['X-CSRFToken'] = token;
  }

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), init);
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, null, 'Network error: could not reach the server');
  }

  const text = response.status === 204 ? '' : await response.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }

  if (!response.ok) {
    let body = data;
    // Don't show a whole HTML error page as the message.
    if (typeof body === 'string' && /^\s*</.test(body)) body = null;
    const error = new ApiError(response.status, body);
    if (error.isAuthError && !options.skipAuthHandler && unauthorizedHandler) {
      unauthorizedHandler(error);
    }
    throw error;
  }
  return data as T;
}

/** Accept both a paginated `{count, results}` body and a bare list. */
export function unwrapList<T>(body: Paginated<T> | T[] | null | undefined): { items: T[]; count: number } {
  if (!body) return { items: [], count: 0 };
  if (Array.isArray(body)) return { items: body, count: body.length };
  const items = Array.isArray(body.results) ? body.results : [];
  return { items, count: typeof body.count === 'number' ? body.count : items.length };
}

export interface RunListFilter {
  state?: string;
  campaign?: string | number;
  owner?: string;
  page_size?: number;
}

export interface DashboardQuery {
  minutes?: number;
  campaign?: string | number;
  state?: string;
  owner?: string;
  ids?: number[];
}

/** A run as `?steps=summary` gives it: its step counts per state instead of its step rows. */
export type RunSummary = Omit<Run, 'steps'> & { step_counts: Record<string, number>; step_total: number };

/** Fetch plain text (logs); ApiError on non-2xx like apiFetch. */
export async function apiText(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<string> {
  let response: Response;
  try {
    response = await fetch(buildUrl(path, query), {
      credentials: 'same-origin',
      signal,
      headers: { Accept: 'text/plain, */*' },
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, null, 'Network error: could not reach the server');
  }
  const text = await response.text();
  if (!response.ok) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = /^\s*</.test(text) ? null : text;
    }
    throw new ApiError(response.status, body);
  }
  return text;
}

export const api = {
  me: () => apiFetch<User>('/api/auth/me/', { skipAuthHandler: true }),
  /** Who is signed in; ``user`` is null when nobody is (an ordinary 200, not an error). */
  session: () =>
    apiFetch<{ authenticated: boolean; user: User | null }>('/api/auth/session/', { skipAuthHandler: true }),
  login: (username: string, password: string) =>
    apiFetch<User>('/api/auth/login/', {
      method: 'POST',
      body: { username, password },
      skipAuthHandler: true,
    }),
  logout: () => apiFetch<void>('/api/auth/logout/', { method: 'POST', skipAuthHandler: true }),
  campaigns: (pageSize = 100, signal?: AbortSignal) =>
    apiFetch<Paginated<Campaign> | Campaign[]>('/api/campaigns/', { query: { page_size: pageSize }, signal }),
  campaign: (id: number | string, signal?: AbortSignal) => apiFetch<Campaign>(`/api/campaigns/${id}/`, { signal }),
  createCampaign: (body: Record<string, unknown>) => apiFetch<Campaign>('/api/campaigns/', { method: 'POST', body }),
  updateCampaign: (id: number | string, body: Record<string, unknown>) =>
    apiFetch<Campaign>(`/api/campaigns/${id}/`, { method: 'PUT', body }),
  launchRun: (campaignId: number, parameters: Record<string, unknown>) =>
    apiFetch<Run>(`/api/campaigns/${campaignId}/runs/`, { method: 'POST', body: { parameters } }),
  launchBatch: (campaignId: number, instances: { parameters: Record<string, unknown> }[]) =>
    apiFetch<BatchLaunch>(`/api/campaigns/${campaignId}/runs/`, {
      method: 'POST',
      body: { instances },
    }),
  /** Run one (unsaved) step alone once: a run of kind ``test``, kept out of the run lists. */
  testStep: (
    campaignId: number | string,
    body: { step: unknown; parameters: Record<string, unknown>; upstream: Record<string, unknown> },
  ) => apiFetch<Run>(`/api/campaigns/${campaignId}/test-step/`, { method: 'POST', body }),
  runs: (filter: RunListFilter = {}, signal?: AbortSignal) =>
    apiFetch<Paginated<Run> | Run[]>('/api/runs/', {
      query: {
        state: filter.state,
        campaign: filter.campaign,
        owner: filter.owner,
        page_size: filter.page_size ?? 100,
      },
      signal,
    }),
  cancelRun: (id: number | string) => apiFetch<Run>(`/api/runs/${id}/cancel/`, { method: 'POST' }),
  retryRun: (id: number | string, steps?: string[]) =>
    apiFetch<Run>(`/api/runs/${id}/retry/`, { method: 'POST', body: steps ? { steps } : {} }),
  stepLog: (id: number | string, step: string, tail = 500, signal?: AbortSignal) =>
    apiText(`/api/runs/${id}/steps/${encodeURIComponent(step)}/log`, { tail }, signal),
  dashboard: (q: DashboardQuery = {}, signal?: AbortSignal) =>
    apiFetch<DashboardFeed>('/api/dashboard/', {
      query: {
        minutes: q.minutes,
        campaign: q.campaign,
        state: q.state,
        owner: q.owner,
        ids: q.ids?.length ? q.ids.join(',') : undefined,
      },
      signal,
    }),
  run: (id: number | string, signal?: AbortSignal) => apiFetch<Run>(`/api/runs/${id}/`, { signal }),
  /** Each block of a run with its state as the server folds it from its steps'. */
  runBlocks: (id: number | string, signal?: AbortSignal) => apiFetch<RunBlock[]>(`/api/runs/${id}/blocks/`, { signal }),
  /** A run's child runs in their summary form (`?steps=summary`): counts per step state, no step rows. */
  childRuns: (parentId: number | string, signal?: AbortSignal) =>
    apiFetch<Paginated<RunSummary> | RunSummary[]>('/api/runs/', {
      query: { parent: parentId, steps: 'summary', page_size: 2000 },
      signal,
    }),
  runEvents: (id: number | string, after: number, signal?: AbortSignal) =>
    apiFetch<RunEvent[]>(`/api/runs/${id}/events/`, { query: { after }, signal }),
  functions: (signal?: AbortSignal) => apiFetch<FunctionInfo[]>('/api/functions/', { signal }),
  backends: (signal?: AbortSignal) => apiFetch<BackendStatus[]>('/api/backends/', { signal }),
};
