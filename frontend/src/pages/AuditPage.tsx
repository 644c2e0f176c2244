import '../sharing.css';
import { useMemo } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { errorText } from '../lib/api';
import { useTitle } from '../hooks';
import { formatDateTime, formatValue } from '../lib/format';
import { useAudit, useTeams } from '../lib/queries';
import { FormError } from '../components/FormError';

const ACTION_GROUPS = ['campaign', 'run', 'token', 'member', 'team', 'user'];
const FILTERS = ['team', 'actor', 'action', 'campaign', 'since', 'until'] as const;

/** What happened, who did it, when and from where: your teams' entries (as admin) and your own. */
export function AuditPage() {
  useTitle('Audit');
  const [params, setParams] = useSearchParams();
  const page = Number(params.get('page') ?? '1') || 1;
  const query = useMemo(() => {
    const out: Record<string, string | number> = { page, page_size: 50 };
    for (const key of FILTERS) {
      const value = params.get(key);
      if (value) out[key] = value;
    }
    return out;
  }, [params, page]);
  const audit = useAudit(query);
  const entries = audit.data?.results ?? null;
  const count = audit.data?.count ?? 0;
  const error = audit.error ? errorText(audit.error) : null;
  const teams = useTeams();

  const set = (name: string, value: string) =>
    setParams((prev) => {
      const next = new URLSearchParams(prev);
      if (value) next.set(name, value);
      else next.delete(name);
      if (name !== 'page') next.delete('page');
      return next;
    });

  return (
    <div className="page">
      <div className="page-header">
        <h1>Audit trail</h1>
        <span className="muted" data-testid="audit-count">
          {count} entr{count === 1 ? 'y' : 'ies'}
        </span>
      </div>
      <p className="muted">Entries of the teams you administer, and your own actions.</p>
      <div className="filters">
        <select aria-label="Team" value={params.get('team') ?? ''} onChange={(e) => set('team', e.target.value)}>
          <option value="">All my teams</option>
          {teams
            .filter((t) => t.role === 'admin')
            .map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
        </select>
        <select aria-label="Action" value={params.get('action') ?? ''} onChange={(e) => set('action', e.target.value)}>
          <option value="">Any action</option>
          {ACTION_GROUPS.map((a) => (
            <option key={a} value={a}>
              {a}.*
            </option>
          ))}
        </select>
        <input
          type="text"
          placeholder="User"
          aria-label="User"
          defaultValue={params.get('actor') ?? ''}
          onBlur={(e) => set('actor', e.target.value.trim())}
        />
        <input
          type="date"
          aria-label="Since"
          value={params.get('since') ?? ''}
          onChange={(e) => set('since', e.target.value)}
        />
        <input
          type="date"
          aria-label="Until"
          value={params.get('until') ?? ''}
          onChange={(e) => set('until', e.target.value)}
        />
      </div>
      <FormError message={error} />
      {entries && entries.length === 0 && <div className="empty">Nothing recorded that you may see.</div>}
      {entries && entries.length > 0 && (
        <div className="card table-card">
          <table className="table" data-testid="audit-list">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>What</th>
                <th>On</th>
                <th>Team</th>
                <th>From</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.id} data-testid={`audit-${e.action}`}>
                  <td className="nowrap">{formatDateTime(e.at)}</td>
                  <td>{e.actor || <span className="muted">system</span>}</td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>{e.campaign ? <Link to={`/library/${e.campaign}`}>{e.target.name}</Link> : e.target.name}</td>
                  <td>{e.team_name ?? <span className="muted">—</span>}</td>
                  <td className="nowrap">{e.address ?? <span className="muted">—</span>}</td>
                  <td className="params small">{Object.keys(e.details).length ? formatValue(e.details) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {count > 50 && (
        <div className="pager">
          <button
            type="button"
            className="btn btn-small"
            disabled={page <= 1}
            onClick={() => set('page', String(page - 1))}
          >
            Newer
          </button>
          <span className="muted">
            page {page} of {Math.ceil(count / 50)}
          </span>
          <button
            type="button"
            className="btn btn-small"
            disabled={page * 50 >= count}
            onClick={() => set('page', String(page + 1))}
          >
            Older
          </button>
        </div>
      )}
    </div>
  );
}
