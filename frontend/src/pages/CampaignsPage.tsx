import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { LaunchDialog } from '../components/LaunchDialog';
import { api, unwrapList } from '../lib/api';
import { formatDateTime } from '../lib/format';
import type { Campaign } from '../lib/types';
import { useTitle } from '../hooks';
import { Truncated } from '../components/Truncated';

export function CampaignsPage() {
  useTitle('Campaigns');
  const navigate = useNavigate();
  const [campaigns, setCampaigns] = useState<Campaign[] | null>(null);
  const [count, setCount] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [launching, setLaunching] = useState<Campaign | null>(null);

  const load = useCallback((signal?: AbortSignal) => {
    setError(null);
    api
      .campaigns(100, signal)
      .then((body) => {
        const { items, count } = unwrapList(body);
        setCampaigns(items);
        setCount(count);
      })
      .catch((err) => {
        if (signal?.aborted) return;
        setError(err instanceof Error ? err.message : String(err));
      });
  }, []);

  useEffect(() => {
    const ctrl = new AbortController();
    load(ctrl.signal);
    return () => ctrl.abort();
  }, [load]);

  const closeDialog = useCallback(() => setLaunching(null), []);

  return (
    <div className="page">
      <div className="page-header">
        <h1>Campaigns</h1>
        {campaigns && (
          <span className="muted">
            {count} campaign{count === 1 ? '' : 's'}
          </span>
        )}
        <div className="page-actions">
          <Link to="/campaigns/new" className="btn btn-primary" data-testid="new-campaign">
            New campaign
          </Link>
        </div>
      </div>

      {error && (
        <div className="form-error" role="alert">
          Could not load campaigns: {error}{' '}
          <button type="button" className="btn btn-small" onClick={() => load()}>
            Retry
          </button>
        </div>
      )}
      {!campaigns && !error && <div className="muted">Loading campaigns…</div>}
      {campaigns && campaigns.length === 0 && <div className="empty">No campaigns yet.</div>}
      {campaigns && campaigns.length > 0 && (
        <div className="card table-card">
          <table className="table" data-testid="campaign-list">
            <thead>
              <tr>
                <th>Name</th>
                <th>Description</th>
                <th className="num">Version</th>
                <th className="num">Steps</th>
                <th>Updated</th>
                <th aria-label="Actions" />
              </tr>
            </thead>
            <tbody>
              {campaigns.map((c) => (
                <tr key={c.id} data-testid={`campaign-${c.id}`}>
                  <td className="strong name-cell">
                    <Link to={`/campaigns/${c.id}/edit`}>
                      <Truncated text={c.name} />
                    </Link>
                  </td>
                  <td className="description">{c.description || <span className="muted">—</span>}</td>
                  <td className="num">v{c.version}</td>
                  <td className="num">{c.graph?.steps?.length ?? 0}</td>
                  <td className="nowrap">{formatDateTime(c.updated_at)}</td>
                  <td className="actions">
                    <Link to={`/runs?campaign=${c.id}`} className="btn btn-small btn-ghost">
                      Runs
                    </Link>
                    <Link to={`/dashboard?campaign=${c.id}`} className="btn btn-small btn-ghost">
                      Timeline
                    </Link>
                    <Link to={`/campaigns/${c.id}/edit`} className="btn btn-small" data-testid={`edit-${c.id}`}>
                      Edit
                    </Link>
                    <button
                      type="button"
                      className="btn btn-small btn-primary"
                      data-testid={`launch-${c.id}`}
                      onClick={() => setLaunching(c)}
                    >
                      Launch
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {launching && (
        <LaunchDialog
          key={launching.id}
          campaign={launching}
          onClose={closeDialog}
          onLaunched={(run) => {
            setLaunching(null);
            navigate(`/runs/${run.id}`);
          }}
          onLaunchedBatch={(result) => {
            setLaunching(null);
            navigate(`/dashboard?batch=${result.batch}&campaign=${launching.id}`);
          }}
        />
      )}
    </div>
  );
}
