import type { ExecutableRight, Graph, User } from './types';

/** Where a campaign lives: a team id, or null for outside any team. */
export type Place = number | null;

const ALLOWED: ExecutableRight = { allowed: true, reason: null };

/**
 * May the user use executable steps in this place? The server says so in `/api/auth/me/` (outside any team and
 * per team, with its reasons) and in a campaign's `executables`; this only picks the answer that applies.
 */
export function executableRight(
  user: User | null,
  place: Place,
  campaign?: { team?: Place; executables?: ExecutableRight | null },
): ExecutableRight {
  if (campaign?.executables && (campaign.team ?? null) === place) return campaign.executables;
  if (!user) return { allowed: false, reason: 'sign in first' };
  if (user.is_staff) return ALLOWED;
  if (place === null) return user.executables ?? { allowed: false, reason: null };
  const team = user.teams?.find((t) => t.id === place);
  return team?.executables ?? { allowed: false, reason: 'you are not a member of this campaign’s team' };
}

/** Ids of the executable steps of a graph (what the right is needed for). */
export function executableSteps(graph: Pick<Graph, 'steps'> | null | undefined): string[] {
  return (graph?.steps ?? []).filter((s) => s.kind === 'executable').map((s) => s.id);
}

/** Why this action on this graph would be refused, or null when it would not (no executable steps, or allowed). */
export function executablesBlock(
  right: ExecutableRight,
  graph: Pick<Graph, 'steps'> | null | undefined,
  action: string,
): string | null {
  const steps = executableSteps(graph);
  if (!steps.length || right.allowed) return null;
  const named = steps.slice(0, 3).join(', ') + (steps.length > 3 ? ` and ${steps.length - 3} more` : '');
  return `You may not ${action} this campaign: it has executable steps (${named}). ${capitalise(right.reason ?? 'Ask a site admin to allow executable steps.')}`;
}

function capitalise(text: string): string {
  return text ? text[0].toUpperCase() + text.slice(1) : text;
}
