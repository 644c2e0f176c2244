// Reads: every REST read the pages make, a TanStack query under a key from `queryKeys`.
import { keepPreviousData, QueryClient, queryOptions, useQuery } from '@tanstack/react-query';
import { api, apiFetch, unwrapList, type RunListFilter } from '../api';
import { isRunTerminal, LOG_LINES_KEPT, storedLogLines, type StoredLog } from '../runState';
import { sharingApi, type LibraryFilter } from '../sharing';
import type { Run } from '../types';
import { isUnder, queryKeys } from './keys';

export function useCampaignList(pageSize = 100) {
  return useQuery({
    queryKey: queryKeys.campaignList(pageSize),
    queryFn: async ({ signal }) => unwrapList(await api.campaigns(pageSize, signal)),
  });
}

/** The library under a filter; while a new filter loads, the list of the last one stays (not a blank page). */
export function useLibrary(filter: LibraryFilter) {
  return useQuery({
    queryKey: queryKeys.library(filter),
    queryFn: ({ signal }) => sharingApi.library(filter, signal),
    placeholderData: keepPreviousData,
  });
}

/** One campaign's detail, as the editor and the template page read it. */
export function campaignQuery(id: number | string) {
  return queryOptions({
    queryKey: queryKeys.campaign(id),
    queryFn: ({ signal }) => sharingApi.campaign(id, signal),
  });
}

export function useCampaign(id: number | string | undefined | null) {
  return useQuery({ ...campaignQuery(id ?? ''), enabled: id != null && id !== '' });
}

export function useLineage(id: number | string | undefined) {
  return useQuery({
    queryKey: queryKeys.lineage(id ?? ''),
    queryFn: ({ signal }) => sharingApi.lineage(id!, signal),
    enabled: id != null && id !== '',
  });
}

export function useVersions(id: number) {
  return useQuery({ queryKey: queryKeys.versions(id), queryFn: ({ signal }) => sharingApi.versions(id, signal) });
}

/** The diff between two versions; only the pair asked for last is shown (each pair has its own key). */
export function useDiff(id: number, from: number, to: number) {
  return useQuery({
    queryKey: queryKeys.diff(id, from, to),
    queryFn: ({ signal }) => sharingApi.diff(id, from, to, signal),
    enabled: from !== to,
    // Two versions never change, so their diff is fetched once.
    staleTime: Infinity,
  });
}

/** The teams you belong to; an empty list when they cannot be read (the pages work without them). */
export function useTeams() {
  const query = useQuery({ queryKey: queryKeys.teams, queryFn: ({ signal }) => sharingApi.teams(signal) });
  return query.data ?? EMPTY_TEAMS;
}
const EMPTY_TEAMS: never[] = [];

/** The teams you belong to, with the query's loading and error state (the Teams page shows both). */
export function useTeamList() {
  return useQuery({ queryKey: queryKeys.teams, queryFn: ({ signal }) => sharingApi.teams(signal) });
}

/** How often the Runs page asks again, so that runs started elsewhere appear and running ones move on. */
export const RUNS_REFRESH_MS = 3000;

/** The runs under a filter, asked again every RUNS_REFRESH_MS; a new filter shows its own answer only. */
export function useRunList(filter: RunListFilter) {
  return useQuery({
    queryKey: queryKeys.runList(filter),
    queryFn: async ({ signal }) => unwrapList(await api.runs(filter, signal)),
    refetchInterval: RUNS_REFRESH_MS,
  });
}

/**
 * A run's detail, the snapshot its live view starts from. The view is folded forward by the socket from the
 * snapshot's own `last_seq`, so an older cached snapshot is as good a start as a new one: it is not asked again
 * on mount (staleTime is per reader: the editor's last run asks afresh).
 */
export function useRunSnapshot(id: string | undefined) {
  return useQuery({
    queryKey: queryKeys.run(id ?? ''),
    queryFn: ({ signal }) => api.run(id!, signal),
    enabled: id != null,
    staleTime: Infinity,
  });
}

/** How often a running run's children are read again (their events stream on their own sockets). */
export const CHILD_RUNS_REFRESH_MS = 1000;

/** The child runs of a run, in their summary form (no step rows), asked again each second while `running`. */
export function useChildRunList(runId: number, running: boolean, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.childRuns(runId),
    queryFn: async ({ signal }) => unwrapList(await api.childRuns(runId, signal)).items,
    enabled,
    refetchInterval: running ? CHILD_RUNS_REFRESH_MS : false,
  });
}

/** A child run's detail, asked again each second until it has ended. */
export function useChildRun(id: number) {
  return useQuery({
    queryKey: queryKeys.childRun(id),
    queryFn: ({ signal }) => api.run(id, signal),
    refetchInterval: (q) => (q.state.data && isRunTerminal(q.state.data.state) ? false : CHILD_RUNS_REFRESH_MS),
  });
}

/** Step results too large for events, by step id: read from the run's detail while `enabled`. */
export function useRunResults(id: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: queryKeys.runResults(id ?? ''),
    queryFn: async ({ signal }) => {
      const run = await api.run(id!, signal);
      const found: Record<string, unknown> = {};
      for (const s of run.steps ?? []) if (s.result !== null && s.result !== undefined) found[s.step] = s.result;
      return found;
    },
    enabled: enabled && id != null,
  });
}

/**
 * A run's blocks folded by the server, asked for the `ask`-th time (0: not asked, the detail's blocks stand). While
 * the next answer is on its way the last one of the same run stays; another run's never shows.
 */
export function useRunBlocks(id: number | undefined, ask: number) {
  return useQuery({
    queryKey: queryKeys.runBlocks(id ?? '', ask),
    queryFn: ({ signal }) => api.runBlocks(id!, signal),
    enabled: id != null && ask > 0,
    placeholderData: (previous, previousQuery) => (previousQuery?.queryKey[2] === String(id) ? previous : undefined),
    // One entry per ask: only the latest is read again.
    gcTime: 10_000,
  });
}

/**
 * A step's stored log, with the seqs the view held when it was asked for and when it arrived (runState's
 * stepLogLines joins it to the live lines by them). `seqNow` reads the view's seq at that moment.
 * Not kept once nobody shows it: an old stored log would miss the lines between its seq and a newer snapshot's.
 */
export function useStoredLog(runId: number | undefined, step: string | null, enabled: boolean, seqNow: () => number) {
  return useQuery({
    queryKey: queryKeys.stepLog(runId ?? '', step ?? ''),
    queryFn: async ({ signal }): Promise<StoredLog> => {
      const askedAt = seqNow();
      const text = await api.stepLog(runId!, step!, LOG_LINES_KEPT, signal);
      return { lines: storedLogLines(text), askedAt, arrivedAt: seqNow() };
    },
    enabled: enabled && runId != null && !!step,
    gcTime: 0,
  });
}

export interface LastRunDetail {
  id: number;
  /** The result of each step that succeeded, by step id. */
  results: Record<string, unknown>;
  parameters: Record<string, unknown>;
}

/** A campaign's latest run, with its succeeded steps' results; null when it has none. */
export function useLastRunDetail(campaignId: string | null) {
  return useQuery({
    queryKey: queryKeys.lastRun(campaignId ?? ''),
    queryFn: async ({ signal }): Promise<LastRunDetail | null> => {
      const latest = unwrapList(await api.runs({ campaign: campaignId!, page_size: 1 }, signal)).items[0];
      if (!latest) return null;
      const detail: Run = await api.run(latest.id, signal);
      const results: Record<string, unknown> = {};
      for (const s of detail.steps ?? []) if (s.state === 'succeeded' && s.result != null) results[s.step] = s.result;
      return { id: latest.id, results, parameters: (detail.parameters ?? {}) as Record<string, unknown> };
    },
    enabled: !!campaignId,
  });
}

/** The step functions the workers offer (the editor's palette). */
export function useFunctions() {
  return useQuery({ queryKey: queryKeys.functions, queryFn: ({ signal }) => api.functions(signal) });
}

/** Usernames matching `search` (a team admin adding a member); nothing is asked for an empty search. */
export function useUserSearch(search: string, enabled: boolean) {
  const query = useQuery({
    queryKey: queryKeys.userSearch(search),
    // sharingApi.users takes no signal; this is the same request, abortable.
    queryFn: ({ signal }) =>
      apiFetch<Array<{ id: number; username: string }>>('/api/users/', { query: { search }, signal }),
    enabled: enabled && search.length > 0,
    staleTime: 30_000,
  });
  return query.data ?? EMPTY_USERS;
}
const EMPTY_USERS: never[] = [];

/** A page of the audit trail; the last page stays while the next one loads. */
export function useAudit(query: Record<string, string | number>) {
  return useQuery({
    queryKey: queryKeys.audit(query),
    queryFn: ({ signal }) => sharingApi.audit(query, signal),
    placeholderData: keepPreviousData,
  });
}

export function useTokens() {
  return useQuery({ queryKey: queryKeys.tokens, queryFn: ({ signal }) => sharingApi.tokens(signal) });
}

/**
 * A run moved to another state (the socket said so: a cancel or retry took effect, or it finished): the run
 * lists, the dashboard and the last-run samples are asked again. The run's own snapshot is not: its live view is
 * current already.
 */
export function invalidateRunMoved(client: QueryClient, runId: number) {
  const own = queryKeys.run(runId);
  void client.invalidateQueries({
    queryKey: queryKeys.runs,
    predicate: (q) => !isUnder(q.queryKey, own),
  });
  void client.invalidateQueries({ queryKey: queryKeys.dashboard });
}
