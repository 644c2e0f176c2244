// Writes: every REST write, a mutation that invalidates the keys it changes.
import { QueryClient, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../api';
import { sharingApi, type Role, type Team, type Visibility } from '../sharing';
import type { Campaign, Paginated } from '../types';
import { isUnder, queryKeys } from './keys';
import { invalidateRunMoved } from './reads';

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

/** Cancel a run, or retry it (all its failed steps, or the ones named); the run lists then show the change. */
export function useRunControl(runId: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (v: { action: 'cancel' } | { action: 'retry'; steps?: string[] }) =>
      v.action === 'cancel' ? api.cancelRun(runId) : api.retryRun(runId, v.steps),
    onSuccess: () => invalidateRunMoved(client, runId),
  });
}
