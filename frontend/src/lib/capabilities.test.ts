import { describe, expect, it } from 'vitest';
import { executableRight, executablesBlock, executableSteps } from './capabilities';
import type { Graph, User } from './types';

const NOT_TEAMLESS =
  'outside a team only site admins, and users a site admin allowed, may run campaigns with executable steps: ask a site admin to allow you executable steps';
const user: User = {
  id: 1,
  username: 'charlie',
  is_staff: false,
  executables: { allowed: false, reason: NOT_TEAMLESS },
  teams: [
    {
      id: 7,
      name: 'mine',
      role: 'admin',
      may_run_executables: false,
      executables: {
        allowed: false,
        reason: "team 'mine' may not run executable steps: ask a site admin to allow executable steps for team 'mine'",
      },
    },
    { id: 8, name: 'Lab', role: 'editor', may_run_executables: true, executables: { allowed: true, reason: null } },
  ],
};
const graph: Pick<Graph, 'steps'> = {
  steps: [
    { id: 'steal', name: 'steal', kind: 'executable' },
    { id: 'f', name: 'f', kind: 'function' },
  ],
};

describe('executable rights', () => {
  it('takes the server’s answer for the place: outside any team, or the team', () => {
    expect(executableRight(user, null)).toEqual(user.executables);
    expect(executableRight(user, 7).reason).toContain("for team 'mine'");
    expect(executableRight(user, 8).allowed).toBe(true);
    expect(executableRight(user, 99)).toEqual({
      allowed: false,
      reason: 'you are not a member of this campaign’s team',
    });
    expect(executableRight({ ...user, is_staff: true }, 7).allowed).toBe(true);
    // A campaign's own answer wins while the place is still the campaign's team.
    const campaign = { team: 99, executables: { allowed: true, reason: null } };
    expect(executableRight(user, 99, campaign).allowed).toBe(true);
    expect(executableRight(user, null, campaign)).toEqual(user.executables);
  });

  it('blocks only graphs with executable steps, naming them and whom to ask', () => {
    expect(executableSteps(graph)).toEqual(['steal']);
    expect(executablesBlock(executableRight(user, 8), graph, 'save')).toBeNull();
    expect(executablesBlock(executableRight(user, null), { steps: [graph.steps[1]] }, 'save')).toBeNull();
    expect(executablesBlock(executableRight(user, 7), graph, 'launch')).toBe(
      "You may not launch this campaign: it has executable steps (steal). Team 'mine' may not run executable steps: ask a site admin to allow executable steps for team 'mine'",
    );
  });
});
