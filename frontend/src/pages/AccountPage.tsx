import '../sharing.css';
import { useState, type FormEvent } from 'react';
import { useAuth } from '../auth';
import { errorText } from '../lib/api';
import { useTitle } from '../hooks';
import { formatDateTime } from '../lib/format';
import { useChangePassword, useCreateToken, useRevokeToken, useTokens } from '../lib/queries';
import type { ApiToken } from '../lib/sharing';
import { CreateByName } from '../components/CreateByName';
import { FormError } from '../components/FormError';

function PasswordForm() {
  const [oldPassword, setOld] = useState('');
  const [newPassword, setNew] = useState('');
  const [repeat, setRepeat] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const changePassword = useChangePassword();
  const busy = changePassword.isPending;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (newPassword !== repeat) {
      setMessage({ ok: false, text: 'The new passwords differ.' });
      return;
    }
    setMessage(null);
    try {
      await changePassword.mutateAsync({ oldPassword, newPassword });
      setOld('');
      setNew('');
      setRepeat('');
      setMessage({ ok: true, text: 'Password changed.' });
    } catch (err) {
      setMessage({ ok: false, text: errorText(err) });
    }
  };

  return (
    <section className="card narrow-card">
      <h2 className="card-title">Change password</h2>
      <form onSubmit={submit} noValidate>
        {(
          [
            ['old_password', 'Current password', oldPassword, setOld, 'current-password'],
            ['new_password', 'New password', newPassword, setNew, 'new-password'],
            ['repeat', 'New password again', repeat, setRepeat, 'new-password'],
          ] as const
        ).map(([name, label, value, set, autocomplete]) => (
          <div className="field" key={name}>
            <label className="field-label" htmlFor={`pw-${name}`}>
              {label}
            </label>
            <input
              id={`pw-${name}`}
              name={name}
              type="password"
              autoComplete={autocomplete}
              value={value}
              onChange={(e) => set(e.target.value)}
            />
          </div>
        ))}
        <button
          type="submit"
          className="btn btn-primary"
          disabled={busy || !oldPassword || !newPassword}
          data-testid="password-submit"
        >
          Change password
        </button>
        {message && (
          <p
            role={message.ok ? 'status' : 'alert'}
            className={message.ok ? 'ok-text' : 'form-error'}
            data-testid="password-message"
          >
            {message.text}
          </p>
        )}
      </form>
    </section>
  );
}

function TokensPanel() {
  const tokensQuery = useTokens();
  const tokens = tokensQuery.data ?? null;
  const createToken = useCreateToken();
  const revokeToken = useRevokeToken();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<ApiToken | null>(null);
  const [writeError, setError] = useState<string | null>(null);
  const error = writeError ?? (tokensQuery.error ? errorText(tokensQuery.error) : null);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    try {
      setCreated(await createToken.mutateAsync(name.trim()));
      setName('');
    } catch (err) {
      setError(errorText(err));
    }
  };

  const revoke = async (token: ApiToken) => {
    if (!window.confirm(`Revoke “${token.name}”? Scripts using it stop working at once.`)) return;
    try {
      await revokeToken.mutateAsync(token.id);
      if (created?.id === token.id) setCreated(null);
    } catch (err) {
      setError(errorText(err));
    }
  };

  return (
    <section className="card">
      <h2 className="card-title">API tokens</h2>
      <p className="muted">
        For scripts: send <code>Authorization: Token &lt;key&gt;</code>, or <code>?token=&lt;key&gt;</code> on
        websockets.
      </p>
      <CreateByName
        name={name}
        onName={setName}
        onCreate={create}
        placeholder="What will use it?"
        label="Token name"
        testId="token"
        action="Create token"
      />
      {created?.token && (
        <div className="token-once" role="status" data-testid="token-created">
          <p className="strong">Copy the key of “{created.name}” now: it is not shown again.</p>
          <code data-testid="token-key">{created.token}</code>{' '}
          <button
            type="button"
            className="btn btn-small"
            onClick={() => void navigator.clipboard?.writeText(created.token ?? '')}
          >
            Copy
          </button>
        </div>
      )}
      <FormError message={error} />
      {tokens && tokens.length === 0 && <p className="muted">No tokens.</p>}
      {tokens && tokens.length > 0 && (
        <table className="table table-compact" data-testid="token-list">
          <thead>
            <tr>
              <th>Name</th>
              <th>Key starts with</th>
              <th>Created</th>
              <th>Last used</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-${t.name}`}>
                <td>
                  {t.name}
                  {t.kind === 'login' && (
                    <span className="muted small" title="Handed out by POST /api/auth/token/">
                      {' '}
                      (from a script’s login)
                    </span>
                  )}
                </td>
                <td>
                  <code>{t.prefix}…</code>
                </td>
                <td className="nowrap">{formatDateTime(t.created_at)}</td>
                <td className="nowrap">
                  {t.last_used_at ? formatDateTime(t.last_used_at) : <span className="muted">never</span>}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="btn btn-small btn-ghost"
                    onClick={() => revoke(t)}
                    data-testid={`revoke-${t.name}`}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function AccountPage() {
  useTitle('Account');
  const { user } = useAuth();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Account</h1>
        <span className="muted">{user?.username}</span>
      </div>
      <PasswordForm />
      <TokensPanel />
    </div>
  );
}
