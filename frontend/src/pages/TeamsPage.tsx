import '../sharing.css';
import { useEffect, useState, type FormEvent } from 'react';
import { useAuth } from '../auth';
import { errorText } from '../lib/api';
import { useTitle } from '../hooks';
import { useCreateTeam, useCreateUser, useTeamChanges, useTeamList, useUserSearch } from '../lib/queries';
import { ROLE_HELP, ROLES, type Role, type Team } from '../lib/sharing';
import { CreateByName } from '../components/CreateByName';
import { FormError } from '../components/FormError';

/** `value`, once it has stayed the same for `ms` (so that typing a name asks once, not per key). */
function useSettled(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return settled;
}

function TeamCard({ team }: { team: Team }) {
  const { user, refresh } = useAuth();
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [error, setError] = useState<string | null>(null);
  const isAdmin = team.role === 'admin';
  const changes = useTeamChanges(team.id);
  const search = useSettled(username.trim(), 200);
  const suggestions = useUserSearch(search, isAdmin).map((u) => u.username);

  const attempt = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      // Your own teams and roles are part of who you are (what you may share into, run, edit).
      void refresh();
    } catch (err) {
      setError(errorText(err));
    }
  };

  const add = (e: FormEvent) => {
    e.preventDefault();
    void attempt(async () => {
      await changes.addMember({ username: username.trim(), role });
      setUsername('');
    });
  };

  return (
    <section className="card" data-testid={`team-${team.name}`}>
      <div className="page-header">
        <h2>{team.name}</h2>
        <span className="badge">your role: {team.role}</span>
        <span className="muted">{team.campaigns} shared campaign(s)</span>
      </div>
      {team.description && <p>{team.description}</p>}
      <p className="muted small" data-testid="team-executables">
        {team.may_run_executables
          ? `Executable steps: allowed by a site admin, for ${ROLES.slice(ROLES.indexOf(team.executable_min_role)).join(', ')}.`
          : 'Executable steps: not allowed. A site admin may allow them for this team.'}
        {user?.is_staff && (
          <label className="inline-check">
            {' '}
            <input
              type="checkbox"
              checked={team.may_run_executables}
              onChange={(e) => void attempt(() => changes.update({ may_run_executables: e.target.checked }))}
              data-testid="team-allow-executables"
            />{' '}
            allow (site admin)
          </label>
        )}
      </p>
      <FormError message={error} testId="team-error" />
      <table className="table table-compact">
        <thead>
          <tr>
            <th>Member</th>
            <th>Role</th>
            <th aria-label="Actions" />
          </tr>
        </thead>
        <tbody>
          {team.members.map((m) => (
            <tr key={m.user_id} data-testid={`member-${m.username}`}>
              <td>{m.username}</td>
              <td>
                {isAdmin ? (
                  <select
                    aria-label={`Role of ${m.username}`}
                    value={m.role}
                    onChange={(e) =>
                      attempt(() => changes.setRole({ userId: m.user_id, role: e.target.value as Role }))
                    }
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                ) : (
                  m.role
                )}
              </td>
              <td className="actions">
                {(isAdmin || m.username === user?.username) && (
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => attempt(() => changes.removeMember(m.user_id))}
                  >
                    {m.username === user?.username ? 'Leave' : 'Remove'}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {isAdmin && (
        <>
          <form className="inline-form" onSubmit={add}>
            <input
              type="text"
              list={`users-${team.id}`}
              placeholder="username"
              aria-label="Username to add"
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              data-testid="member-username"
            />
            <datalist id={`users-${team.id}`}>
              {suggestions.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
            <select
              aria-label="Role"
              value={role}
              onChange={(e) => setRole(e.target.value as Role)}
              data-testid="member-role"
            >
              {ROLES.map((r) => (
                <option key={r} value={r} title={ROLE_HELP[r]}>
                  {r}
                </option>
              ))}
            </select>
            <button
              type="submit"
              className="btn btn-small btn-primary"
              disabled={!username.trim()}
              data-testid="member-add"
            >
              Add member
            </button>
          </form>
          <div className="field inline-field">
            <label className="field-label" htmlFor={`exec-${team.id}`}>
              Who may save or launch campaigns with executable steps
            </label>
            <select
              id={`exec-${team.id}`}
              value={team.executable_min_role}
              onChange={(e) => attempt(() => changes.update({ executable_min_role: e.target.value as Role }))}
              data-testid="exec-role"
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {ROLES.slice(ROLES.indexOf(r)).join(', ')}
                </option>
              ))}
            </select>
          </div>
        </>
      )}
    </section>
  );
}

export function TeamsPage() {
  useTitle('Teams');
  const { user, refresh } = useAuth();
  const teamList = useTeamList();
  const teams = teamList.data ?? null;
  const createTeam = useCreateTeam();
  const createUserMutation = useCreateUser();
  const [name, setName] = useState('');
  const [createError, setCreateError] = useState<string | null>(null);
  const [newUser, setNewUser] = useState({ username: '', password: '' });
  const [userMessage, setUserMessage] = useState<string | null>(null);
  const error = createError ?? (teamList.error ? errorText(teamList.error) : null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setCreateError(null);
    try {
      await createTeam.mutateAsync(name.trim());
      setName('');
      void refresh();
    } catch (err) {
      setCreateError(errorText(err));
    }
  };

  const createUser = async (e: FormEvent) => {
    e.preventDefault();
    setUserMessage(null);
    try {
      const created = await createUserMutation.mutateAsync({
        username: newUser.username.trim(),
        password: newUser.password,
      });
      setUserMessage(`Created user ${created.username}.`);
      setNewUser({ username: '', password: '' });
    } catch (err) {
      setUserMessage(errorText(err));
    }
  };

  return (
    <div className="page">
      <div className="page-header">
        <h1>Teams</h1>
      </div>
      <p className="muted">
        Roles:{' '}
        {Object.entries(ROLE_HELP)
          .map(([r, help]) => `${r} ${help}`)
          .join('; ')}
        .
      </p>
      <CreateByName
        name={name}
        onName={setName}
        onCreate={create}
        placeholder="New team name"
        label="New team name"
        testId="team"
        action="Create team"
      />
      <FormError message={error} />
      {teams && teams.length === 0 && <div className="empty">You are in no team yet.</div>}
      {teams?.map((t) => (
        <TeamCard key={t.id} team={t} />
      ))}
      {user?.is_staff && (
        <section className="card">
          <h2 className="card-title">Create a user (administrators)</h2>
          <form className="inline-form" onSubmit={createUser}>
            <input
              type="text"
              placeholder="username"
              aria-label="New username"
              value={newUser.username}
              onChange={(e) => setNewUser({ ...newUser, username: e.target.value })}
            />
            <input
              type="password"
              placeholder="password"
              aria-label="New user's password"
              value={newUser.password}
              onChange={(e) => setNewUser({ ...newUser, password: e.target.value })}
            />
            <button type="submit" className="btn">
              Create user
            </button>
          </form>
          {userMessage && <p role="status">{userMessage}</p>}
        </section>
      )}
    </div>
  );
}
