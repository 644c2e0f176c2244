import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { AuthProvider } from '../auth';
import { TeamsPage } from './TeamsPage';
import type { Member, Team } from '../lib/sharing';
import { json } from '../test/http';
import { renderPage } from '../test/render';

const member = (userId: number, username: string, role: Member['role']) =>
  ({ user_id: userId, username, role, created_at: '2026-01-01T00:00:00Z' }) as Member;

describe('TeamsPage', () => {
  let team: Team;
  let fetchMock: ReturnType<typeof vi.fn>;
  const calls = (prefix: string) => fetchMock.mock.calls.filter(([url]) => String(url).startsWith(prefix));

  beforeEach(() => {
    team = {
      id: 4,
      name: 'Lab',
      description: '',
      may_run_executables: false,
      executable_min_role: 'editor',
      role: 'admin',
      members: [member(1, 'alice', 'admin')],
      campaigns: 0,
      created_at: '2026-01-01T00:00:00Z',
    };
    fetchMock = vi.fn(async (url: string, init: RequestInit = {}) => {
      if (url === '/api/auth/session/') {
        return json({ authenticated: true, user: { id: 1, username: 'alice', is_staff: false, teams: [] } });
      }
      if (url === '/api/teams/') return json([team]);
      if (url.startsWith('/api/users/?search=')) return json([{ id: 2, username: 'bob' }]);
      if (url === '/api/teams/4/members/' && init.method === 'POST') {
        const body = JSON.parse(String(init.body)) as { username: string; role: Member['role'] };
        team = { ...team, members: [...team.members, member(2, body.username, body.role)] };
        return json(team.members[1], 201);
      }
      return json({ detail: 'Not found.' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('suggests users once the name is typed, and shows an added member from the team list read again', async () => {
    renderPage(
      <AuthProvider>
        <TeamsPage />
      </AuthProvider>,
      '/teams',
    );
    const card = await screen.findByTestId('team-Lab');
    const field = within(card).getByTestId('member-username');
    for (const typed of ['b', 'bo', 'bob']) fireEvent.change(field, { target: { value: typed } });
    await waitFor(() => expect(card.querySelector('datalist option[value="bob"]')).not.toBeNull());
    // Typing asks once, for the name as it settled.
    expect(calls('/api/users/').map(([url]) => url)).toEqual(['/api/users/?search=bob']);
    const teamReads = calls('/api/teams/').length;

    fireEvent.change(within(card).getByTestId('member-role'), { target: { value: 'editor' } });
    fireEvent.click(within(card).getByTestId('member-add'));
    const added = await within(card).findByTestId('member-bob');
    expect((within(added).getByLabelText('Role of bob') as HTMLSelectElement).value).toBe('editor');
    expect(calls('/api/teams/').length).toBeGreaterThan(teamReads);
    expect((within(card).getByTestId('member-username') as HTMLInputElement).value).toBe('');
    expect(screen.queryByTestId('team-error')).toBeNull();
  });
});
