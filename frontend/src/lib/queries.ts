// The REST data layer: every read the pages make is a TanStack query under a key from `queryKeys`, and every
// write is a mutation that invalidates the keys it changes. Query functions pass TanStack's AbortSignal to
// fetch, so a request whose answer nobody waits for any more (the page left, the key moved on) is aborted.
import {
  keepPreviousData,
  QueryClient,
  queryOptions,
  useMutation,
  useQuery,
  useQueryClient,
} from '@tanstack/react-query';
import { ApiError, api, apiFetch, unwrapList, type DashboardQuery, type RunListFilter } from './api';
import { sharingApi, type LibraryFilter, type Role, type Team, type Visibility } from './sharing';
import { LOG_LINES_KEPT, storedLogLines, type StoredLog } from './runState';
import type { Campaign, Paginated, Run } from './types';

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

// Reads -------------------------------------------------------------------------------------------------------

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

/** Whether `key` is `prefix` or a key below it. */
function isUnder(key: readonly unknown[], prefix: readonly unknown[]): boolean {
  return prefix.every((part, i) => key[i] === part);
}

// Writes ------------------------------------------------------------------------------------------------------

/** Whatever changes a campaign also changes the lists it is in, and writes an audit entry. */
function invalidateCampaigns(client: QueryClient) {
  void client.invalidateQueries({ queryKey: queryKeys.campaigns });
  void client.invalidateQueries({ queryKey: queryKeys.auditAll });
}

/** Show a changed campaign at once wherever it is cached (the refetch that follows may then drop or move it). */
function replaceCached(client: QueryClient, campaign: Campaign) {
  client.setQueryData(queryKeys.campaign(campaign.id), campaign);
  const swap = (c: Campaign) => (c.id === campaign.id ? campaign : c);
  client.setQueriesData<Paginated<Campaign>>({ queryKey: ['campaigns', 'library'] }, (old) =>
    old ? { ...old, results: old.results.map(swap) } : old,
  );
  client.setQueriesData<{ items: Campaign[]; count: number }>({ queryKey: ['campaigns', 'list'] }, (old) =>
    old ? { ...old, items: old.items.map(swap) } : old,
  );
}

/**
 * Save the editor's document: a new campaign (id null) or a new version of one. The saved campaign replaces the
 * cached one; the lists, its versions and lineage are asked again (its detail is what the server just answered).
 */
export function useSaveCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: number | null; body: Record<string, unknown> }) =>
      v.id == null ? api.createCampaign(v.body) : api.updateCampaign(v.id, v.body),
    onSuccess: (campaign) => {
      replaceCached(client, campaign);
      const own = queryKeys.campaign(campaign.id);
      void client.invalidateQueries({
        queryKey: queryKeys.campaigns,
        predicate: (q) => q.queryKey.length !== own.length || !isUnder(q.queryKey, own),
      });
      void client.invalidateQueries({ queryKey: queryKeys.auditAll });
    },
  });
}

/** Run one unsaved step alone once. Test runs are kept out of the run lists, so nothing cached changes. */
export function useTestStep(campaignId: string) {
  return useMutation({ mutationFn: (body: Parameters<typeof api.testStep>[1]) => api.testStep(campaignId, body) });
}

export function useShareCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: number; visibility: Visibility; team: number | null }) =>
      sharingApi.share(v.id, v.visibility, v.team),
    onSuccess: (campaign) => {
      replaceCached(client, campaign);
      invalidateCampaigns(client);
    },
  });
}

export function useForkCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: number; name: string; team: number | null }) => sharingApi.fork(v.id, v.name, v.team),
    onSuccess: () => invalidateCampaigns(client),
  });
}

export function useImportCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { document: string; visibility: Visibility; team: number | null }) =>
      sharingApi.importDocument(v.document, v.visibility, v.team),
    onSuccess: () => invalidateCampaigns(client),
  });
}

export function useDeleteCampaign() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => sharingApi.remove(id),
    // The lists lose it; its own entries are not asked again (they would answer 404 to the page still open).
    onSuccess: (_, id) => {
      const gone = queryKeys.campaign(id);
      void client.invalidateQueries({
        queryKey: queryKeys.campaigns,
        predicate: (q) => !isUnder(q.queryKey, gone),
      });
      void client.invalidateQueries({ queryKey: queryKeys.auditAll });
    },
  });
}

export function useRestoreVersion() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { id: number; number: number; baseVersion: number }) =>
      sharingApi.restore(v.id, v.number, v.baseVersion),
    onSuccess: (campaign) => {
      replaceCached(client, campaign);
      invalidateCampaigns(client);
    },
  });
}

/** A launch moves the campaign's "last used", and adds runs to the dashboard. */
export function useLaunch(campaignId: number) {
  const client = useQueryClient();
  const onSuccess = () => {
    invalidateCampaigns(client);
    void client.invalidateQueries({ queryKey: queryKeys.dashboard });
  };
  const single = useMutation({
    mutationFn: (parameters: Record<string, unknown>) => api.launchRun(campaignId, parameters),
    onSuccess,
  });
  const batch = useMutation({
    mutationFn: (instances: { parameters: Record<string, unknown> }[]) => api.launchBatch(campaignId, instances),
    onSuccess,
  });
  return { launchRun: single.mutateAsync, launchBatch: batch.mutateAsync };
}

export function useCreateToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => sharingApi.createToken(name),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tokens }),
  });
}

export function useRevokeToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) => sharingApi.revokeToken(id),
    onSuccess: () => client.invalidateQueries({ queryKey: queryKeys.tokens }),
  });
}

export function useChangePassword() {
  return useMutation({
    mutationFn: (v: { oldPassword: string; newPassword: string }) =>
      sharingApi.changePassword(v.oldPassword, v.newPassword),
  });
}

/** A change to a team changes the team list, who may see which campaigns, and the audit trail. */
function invalidateTeams(client: QueryClient) {
  void client.invalidateQueries({ queryKey: queryKeys.teams });
  invalidateCampaigns(client);
}

export function useCreateTeam() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => sharingApi.createTeam(name, ''),
    onSuccess: () => invalidateTeams(client),
  });
}

type TeamChanges = Parameters<typeof sharingApi.updateTeam>[1];

/** Every change to one team and its members: the list shows the changed team at once, then is asked again. */
export function useTeamChanges(teamId: number) {
  const client = useQueryClient();
  const onSuccess = () => invalidateTeams(client);
  const update = useMutation({
    mutationFn: (changes: TeamChanges) => sharingApi.updateTeam(teamId, changes),
    onSuccess: (team: Team) => {
      client.setQueryData<Team[]>(queryKeys.teams, (old) => old?.map((t) => (t.id === team.id ? team : t)));
      onSuccess();
    },
  });
  const addMember = useMutation({
    mutationFn: (v: { username: string; role: Role }) => sharingApi.addMember(teamId, v.username, v.role),
    onSuccess,
  });
  const setRole = useMutation({
    mutationFn: (v: { userId: number; role: Role }) => sharingApi.setRole(teamId, v.userId, v.role),
    onSuccess,
  });
  const removeMember = useMutation({
    mutationFn: (userId: number) => sharingApi.removeMember(teamId, userId),
    onSuccess,
  });
  return {
    update: update.mutateAsync,
    addMember: addMember.mutateAsync,
    setRole: setRole.mutateAsync,
    removeMember: removeMember.mutateAsync,
  };
}

export function useCreateUser() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { username: string; password: string }) => sharingApi.createUser(v.username, v.password, false),
    onSuccess: () => client.invalidateQueries({ queryKey: ['users'] }),
  });
}
