// The REST data layer: every read the pages make is a TanStack query under a key from `queryKeys`, and every
// write is a mutation that invalidates the keys it changes. Query functions pass TanStack's AbortSignal to
// fetch, so a request whose answer nobody waits for any more (the page left, the key moved on) is aborted.
import { keepPreviousData, QueryClient, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, unwrapList, type DashboardQuery } from './api';
import { sharingApi, type LibraryFilter, type Visibility } from './sharing';
import type { Campaign, Paginated } from './types';

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

export function useCampaign(id: number | string | undefined) {
  return useQuery({
    queryKey: queryKeys.campaign(id ?? ''),
    queryFn: ({ signal }) => sharingApi.campaign(id!, signal),
    enabled: id != null && id !== '',
  });
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
        predicate: (q) => !gone.every((part, i) => q.queryKey[i] === part),
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
