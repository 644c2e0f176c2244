// Teams, template sharing, versions, tokens and audit: API shapes and calls (issue 5). No React in here.
import { ApiError, apiFetch, type RequestOptions } from './api';
import type { Campaign, CampaignParameter, Graph, Paginated } from './types';

export type Visibility = 'private' | 'team' | 'public';
export type Role = 'viewer' | 'operator' | 'editor' | 'admin';
export const ROLES: Role[] = ['viewer', 'operator', 'editor', 'admin'];
export const VISIBILITIES: Visibility[] = ['private', 'team', 'public'];

export const ROLE_HELP: Record<Role, string> = {
  viewer: 'sees the team’s campaigns and runs',
  operator: 'also launches, cancels and retries runs',
  editor: 'also edits campaigns',
  admin: 'also manages members and team settings',
};

export const VISIBILITY_HELP: Record<Visibility, string> = {
  private: 'only you',
  team: 'members of the team',
  public: 'every signed-in user (they may view, fork and launch it)',
};

export type CampaignPermissions = Campaign['permissions'];
export type ForkedFrom = NonNullable<Campaign['forked_from']>;
/** A campaign with its sharing fields: the generated `Campaign` carries them all. */
export type SharedCampaign = Campaign;

export interface CampaignVersionInfo {
  number: number;
  created_by: string;
  created_at: string;
  note: string;
  steps: number;
  parameters?: CampaignParameter[];
  graph?: Graph;
}

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

export interface KeyedDiff<K extends string> {
  added: Array<Record<string, unknown>>;
  removed: Array<Record<string, unknown>>;
  changed: Array<Record<K, string> & { changes: FieldChange[] }>;
}

export interface DefinitionDiff {
  from?: number;
  to?: number;
  summary?: string;
  identical: boolean;
  steps: KeyedDiff<'id'>;
  edges: { added: Array<{ source: string; target: string }>; removed: Array<{ source: string; target: string }> };
  parameters: KeyedDiff<'name'>;
}

export interface Lineage {
  ancestors: Array<{ id: number; version: number | null; name: string | null; owner: string | null; visible: boolean }>;
  forks: Array<{
    id: number;
    name: string;
    owner: string;
    version: number | null;
    visibility: Visibility;
    team: string | null;
  }>;
}

export interface Member {
  user_id: number;
  username: string;
  role: Role;
  created_at: string;
}

export interface Team {
  id: number;
  name: string;
  description: string;
  /** A site admin allowed the team executable steps (only site admins change it). */
  may_run_executables: boolean;
  executable_min_role: Role;
  role: Role | null;
  members: Member[];
  campaigns: number;
  created_at: string;
}

export interface ApiToken {
  id: number;
  name: string;
  /** Named here ("personal"), or handed out by POST /api/auth/token/ ("login"). */
  kind?: 'personal' | 'login';
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  token?: string;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: { type: string; id: string; name: string };
  team: number | null;
  team_name: string | null;
  campaign: number | null;
  address: string | null;
  details: Record<string, unknown>;
}

export interface EditConflictBody {
  detail: string;
  base_version: number;
  current_version: number;
  changes: DefinitionDiff;
  current: { version: number; name: string; description: string; parameters: CampaignParameter[]; graph: Graph };
}

/** The body of a 409 from a campaign update (someone saved a newer version), or null. */
export function editConflictOf(error: unknown): EditConflictBody | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const body = error.body as Partial<EditConflictBody> | null;
  if (!body || typeof body.current_version !== 'number' || !body.changes) return null;
  return body as EditConflictBody;
}

export interface LibraryFilter {
  search?: string;
  team?: string;
  owner?: string;
  tag?: string;
  visibility?: string;
  sort?: 'recent' | 'updated' | 'created' | 'name';
  page_size?: number;
}

export type ExportKind = 'json' | 'yaml' | 'asyncflow';

/** Whether the user may put campaigns in this team (editor or admin there). */
export function mayEditIn(team: Team): boolean {
  return team.role === 'editor' || team.role === 'admin';
}

export function teamsYouEdit(teams: Team[]): Team[] {
  return teams.filter(mayEditIn);
}

export function exportUrl(campaignId: number, kind: ExportKind, version?: number): string {
  return `/api/campaigns/${campaignId}/export/${kind}/${version ? `?version=${version}` : ''}`;
}

/** "1 step added, 2 changed; 1 edge removed", or "no changes". */
export function diffSummary(diff: DefinitionDiff): string {
  if (diff.summary) return diff.summary;
  const parts: string[] = [];
  const section = (noun: string, counts: Array<[string, number]>) => {
    const present = counts.filter(([, n]) => n > 0);
    if (!present.length) return;
    const [[firstKind, firstN], ...rest] = present;
    parts.push(
      [`${firstN} ${noun}${firstN === 1 ? '' : 's'} ${firstKind}`, ...rest.map(([k, n]) => `${n} ${k}`)].join(', '),
    );
  };
  section('step', [
    ['added', diff.steps.added.length],
    ['removed', diff.steps.removed.length],
    ['changed', diff.steps.changed.length],
  ]);
  section('edge', [
    ['added', diff.edges.added.length],
    ['removed', diff.edges.removed.length],
  ]);
  section('parameter', [
    ['added', diff.parameters.added.length],
    ['removed', diff.parameters.removed.length],
    ['changed', diff.parameters.changed.length],
  ]);
  return parts.join('; ') || 'no changes';
}

const json = (method: string, body?: unknown): RequestOptions => ({ method, body });

export const sharingApi = {
  library: (filter: LibraryFilter = {}, signal?: AbortSignal) =>
    apiFetch<Paginated<SharedCampaign>>('/api/campaigns/', {
      query: { ...filter, page_size: filter.page_size ?? 100 },
      signal,
    }),
  campaign: (id: number | string, signal?: AbortSignal) =>
    apiFetch<SharedCampaign>(`/api/campaigns/${id}/`, { signal }),
  share: (id: number, visibility: Visibility, team: number | null) =>
    apiFetch<SharedCampaign>(`/api/campaigns/${id}/`, json('PATCH', { visibility, team })),
  setTags: (id: number, tags: string[]) => apiFetch<SharedCampaign>(`/api/campaigns/${id}/`, json('PATCH', { tags })),
  fork: (id: number, name: string, team: number | null) =>
    apiFetch<SharedCampaign>(`/api/campaigns/${id}/fork/`, json('POST', { name, team })),
  remove: (id: number) => apiFetch<void>(`/api/campaigns/${id}/`, { method: 'DELETE' }),
  versions: (id: number | string, signal?: AbortSignal) =>
    apiFetch<CampaignVersionInfo[]>(`/api/campaigns/${id}/versions/`, { signal }),
  version: (id: number | string, n: number) => apiFetch<CampaignVersionInfo>(`/api/campaigns/${id}/versions/${n}/`),
  diff: (id: number | string, from: number, to: number, signal?: AbortSignal) =>
    apiFetch<DefinitionDiff>(`/api/campaigns/${id}/diff/`, { query: { from, to }, signal }),
  restore: (id: number | string, n: number, baseVersion: number) =>
    apiFetch<SharedCampaign>(
      `/api/campaigns/${id}/versions/${n}/restore/`,
      json('POST', { base_version: baseVersion }),
    ),
  lineage: (id: number | string, signal?: AbortSignal) =>
    apiFetch<Lineage>(`/api/campaigns/${id}/lineage/`, { signal }),
  importDocument: (document: string, visibility: Visibility, team: number | null, name?: string) =>
    apiFetch<SharedCampaign>(
      '/api/campaigns/import/',
      json('POST', { document, visibility, team, name: name || undefined }),
    ),

  teams: (signal?: AbortSignal) => apiFetch<Team[]>('/api/teams/', { signal }),
  team: (id: number | string) => apiFetch<Team>(`/api/teams/${id}/`),
  createTeam: (name: string, description: string) => apiFetch<Team>('/api/teams/', json('POST', { name, description })),
  updateTeam: (
    id: number,
    changes: Partial<Pick<Team, 'name' | 'description' | 'executable_min_role' | 'may_run_executables'>>,
  ) => apiFetch<Team>(`/api/teams/${id}/`, json('PATCH', changes)),
  deleteTeam: (id: number) => apiFetch<void>(`/api/teams/${id}/`, { method: 'DELETE' }),
  addMember: (teamId: number, username: string, role: Role) =>
    apiFetch<Member>(`/api/teams/${teamId}/members/`, json('POST', { username, role })),
  setRole: (teamId: number, userId: number, role: Role) =>
    apiFetch<Member>(`/api/teams/${teamId}/members/${userId}/`, json('PATCH', { role })),
  removeMember: (teamId: number, userId: number) =>
    apiFetch<void>(`/api/teams/${teamId}/members/${userId}/`, { method: 'DELETE' }),
  users: (search: string) => apiFetch<Array<{ id: number; username: string }>>('/api/users/', { query: { search } }),
  createUser: (username: string, password: string, isStaff: boolean) =>
    apiFetch<{ id: number; username: string }>('/api/users/', json('POST', { username, password, is_staff: isStaff })),

  tokens: (signal?: AbortSignal) => apiFetch<ApiToken[]>('/api/auth/tokens/', { signal }),
  createToken: (name: string) => apiFetch<ApiToken>('/api/auth/tokens/', json('POST', { name })),
  revokeToken: (id: number) => apiFetch<void>(`/api/auth/tokens/${id}/`, { method: 'DELETE' }),
  changePassword: (oldPassword: string, newPassword: string) =>
    apiFetch<void>('/api/auth/password/', json('POST', { old_password: oldPassword, new_password: newPassword })),

  audit: (query: Record<string, string | number | undefined>, signal?: AbortSignal) =>
    apiFetch<Paginated<AuditEntry>>('/api/audit/', { query, signal }),
};
