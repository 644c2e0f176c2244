import { useCallback, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { CampaignTable, type CampaignColumn } from '../components/CampaignTable';
import { LaunchDialog } from '../components/LaunchDialog';
import { errorText } from '../lib/api';
import { formatDateTime } from '../lib/format';
import { useCampaignList } from '../lib/queries';
import type { Campaign } from '../lib/types';
import { useTitle } from '../hooks';

const COLUMNS: CampaignColumn[] = [
  { header: 'Description', className: 'description', cell: (c) => c.description || <span className="muted">—</span> },
  { header: 'Version', className: 'num', cell: (c) => `v${c.version}` },
  { header: 'Steps', className: 'num', cell: (c) => c.graph?.steps?.length ?? 0 },
  { header: 'Updated', className: 'nowrap', cell: (c) => formatDateTime(c.updated_at) },
];

export function CampaignsPage() {
  useTitle('Campaigns');
  const navigate = useNavigate();
  const list = useCampaignList();
  const campaigns = list.data?.items ?? null;
  const count = list.data?.count ?? 0;
  const error = list.error ? errorText(list.error) : null;
  const [launching, setLaunching] = useState<Campaign | null>(null);

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
          <button type="button" className="btn btn-small" onClick={() => void list.refetch()}>
            Retry
          </button>
        </div>
      )}
      {!campaigns && !error && <div className="muted">Loading campaigns…</div>}
      {campaigns && campaigns.length === 0 && <div className="empty">No campaigns yet.</div>}
      {campaigns && campaigns.length > 0 && (
        <CampaignTable
          campaigns={campaigns}
          testId="campaign-list"
          rowTestId={(c) => `campaign-${c.id}`}
          href={(c) => `/campaigns/${c.id}/edit`}
          columns={COLUMNS}
          actions={(c) => (
            <>
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
            </>
          )}
        />
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
