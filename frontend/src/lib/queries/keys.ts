// The query layer's keys and client: every key in one place, so a mutation invalidates by its readers' prefix.
import { QueryClient } from '@tanstack/react-query';
import { ApiError, type DashboardQuery, type RunListFilter } from '../api';
import type { LibraryFilter } from '../sharing';

/** Every query key, so that a mutation invalidates by the same prefix that its readers use. */
export const queryKeys = {
  /** Every campaign read: lists, the library, one campaign and what hangs off it. */
  campaigns: ['campaigns'] as const,
  campaignList: (pageSize: number) => ['campaigns', 'list', pageSize] as const,
  library: (filter: LibraryFilter) => ['campaigns', 'library', filter] as const,
  campaign: (id: number | string) => ['campaigns', 'detail', String(id)] as const,
  lineage: (id: number | string) => ['campaigns', 'detail', String(id), 'lineage'] as const,
  versions: (id: number | string) => ['campaigns', 'detail', String(id), 'versions'] as const,
  diff: (id: number | string, from: number, to: number) =>
    ['campaigns', 'detail', String(id), 'diff', from, to] as const,
  teams: ['teams'] as const,
  /** Every run list (the Runs page under each filter). */
  runs: ['runs'] as const,
  runList: (filter: RunListFilter) => ['runs', 'list', filter] as const,
  run: (id: number | string) => ['runs', 'detail', String(id)] as const,
  /** The results of a run's steps that were too large for its events, read from its detail when shown. */
  runResults: (id: number | string) => ['runs', 'detail', String(id), 'results'] as const,
  stepLog: (id: number | string, step: string) => ['runs', 'detail', String(id), 'log', step] as const,
  /** A run's blocks as the server folds them, the `ask`-th time they were asked for since the run page opened. */
  runBlocks: (id: number | string, ask: number) => ['runs', 'detail', String(id), 'blocks', ask] as const,
  /** The child runs of a run's workflow steps, in their summary form. */
  childRuns: (parentId: number | string) => ['runs', 'children', String(parentId)] as const,
  /** A child run's detail, drawn in place on its parent's page. */
  childRun: (id: number | string) => ['runs', 'child', String(id)] as const,
  /** A campaign's latest run (the editor's result samples). */
  lastRun: (campaignId: number | string) => ['runs', 'last', String(campaignId)] as const,
  functions: ['functions'] as const,
  userSearch: (search: string) => ['users', 'search', search] as const,
  audit: (query: Record<string, string | number>) => ['audit', query] as const,
  auditAll: ['audit'] as const,
  tokens: ['tokens'] as const,
  backends: ['backends'] as const,
  dashboard: ['dashboard'] as const,
  dashboardFeed: (q: DashboardQuery) => ['dashboard', 'feed', q] as const,
  dashboardRuns: (ids: number[]) => ['dashboard', 'runs', ids] as const,
};

/** A failure worth asking again: the network, or the server itself (not a 4xx, which would answer the same). */
function retryable(failures: number, error: unknown): boolean {
  return failures < 2 && error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

/** The app's one client (main.tsx); tests make their own. */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: retryable, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}

/** Whether `key` is `prefix` or a key below it. */
export function isUnder(key: readonly unknown[], prefix: readonly unknown[]): boolean {
  return prefix.every((part, i) => key[i] === part);
}
