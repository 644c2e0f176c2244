import { Link, useSearchParams } from 'react-router-dom';
import { campaignOptions, FilterSelect, RUN_STATE_OPTIONS } from '../components/FilterSelect';
import { StateBadge } from '../components/StateBadge';
import { errorText } from '../lib/api';
import { durationBetween, formatDateTime, formatDuration, formatParams } from '../lib/format';
import { useCampaignList, useRunList } from '../lib/queries';
import type { Campaign } from '../lib/types';
import { useSetQueryParam, useTitle } from '../hooks';
import { Truncated } from '../components/Truncated';

const NO_CAMPAIGNS: Campaign[] = [];

export function RunsPage() {
  useTitle('Runs');
  const [searchParams] = useSearchParams();
  const stateFilter = searchParams.get('state') ?? '';
  const campaignFilter = searchParams.get('campaign') ?? '';
  const ownerFilter = searchParams.get('owner') ?? '';

  const list = useRunList({ state: stateFilter, campaign: campaignFilter, owner: ownerFilter, page_size: 100 });
  const runs = list.data?.items ?? null;
  const count = list.data?.count ?? 0;
  // A failed refresh shows its error; the last list stays under it.
  const error = list.error ? errorText(list.error) : null;
  // Durations of running runs count up to when the list was read.
  const now = list.dataUpdatedAt;
  // Without the campaigns the filter just offers fewer choices.
  const campaigns = useCampaignList().data?.items ?? NO_CAMPAIGNS;

  const setFilter = useSetQueryParam();

  return (
    <div className="page">
      <div className="page-header">
        <h1>Runs</h1>
        {runs && (
          <span className="muted" data-testid="run-count">
            {count} run{count === 1 ? '' : 's'}
          </span>
        )}
        <div className="filters">
          <FilterSelect
            label="State"
            allLabel="All states"
            param="state"
            testId="state-filter"
            options={RUN_STATE_OPTIONS}
          />
          <label className="inline-field">
            <span>Owner</span>
            <input
              name="owner"
              data-testid="owner-filter"
              placeholder="anyone"
              defaultValue={ownerFilter}
              size={10}
              onKeyDown={(e) => {
                if (e.key === 'Enter') setFilter('owner', (e.target as HTMLInputElement).value.trim());
              }}
              onBlur={(e) => setFilter('owner', e.target.value.trim())}
            />
          </label>
          <FilterSelect
            label="Campaign"
            allLabel="All campaigns"
            param="campaign"
            testId="campaign-filter"
            options={campaignOptions(campaigns)}
            unknownLabel={(id) => `#${id}`}
          />
        </div>
      </div>

      {error && (
        <div className="form-error" role="alert">
          Could not load runs: {error}
        </div>
      )}
      {!runs && !error && <div className="muted">Loading runs…</div>}
      {runs && runs.length === 0 && (
        <div className="empty" data-testid="runs-empty">
          No runs{stateFilter ? ` in state “${stateFilter}”` : ''}.{' '}
          <Link to="/campaigns">Launch one from a campaign.</Link>
        </div>
      )}
      {runs && runs.length > 0 && (
        <div className="card table-card">
          <table className="table" data-testid="run-list">
            <thead>
              <tr>
                <th>Run</th>
                <th>Campaign</th>
                <th>Parameters</th>
                <th>State</th>
                <th>Created</th>
                <th>Started</th>
                <th>Finished</th>
                <th className="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => {
                const params = formatParams(r.parameters);
                return (
                  <tr key={r.id} data-testid={`run-row-${r.id}`} data-state={r.state}>
                    <td>
                      <Link to={`/runs/${r.id}`} className="strong" data-testid={`run-link-${r.id}`}>
                        #{r.id}
                      </Link>
                    </td>
                    <td>
                      <Link to={`/runs/${r.id}`}>
                        <Truncated text={r.campaign_name} />
                      </Link>
                      <span className="muted small"> v{r.version}</span>
                    </td>
                    <td className="params" title={params}>
                      {params || <span className="muted">—</span>}
                    </td>
                    <td className="nowrap">
                      <StateBadge state={r.state} />
                      {r.steps && r.steps.length > 0 && (
                        <span className="muted small step-progress" title="steps finished / total">
                          {' '}
                          {r.steps.filter((s) => s.state === 'succeeded').length}/{r.steps.length}
                        </span>
                      )}
                    </td>
                    <td className="nowrap">{formatDateTime(r.created_at)}</td>
                    <td className="nowrap">{formatDateTime(r.started_at)}</td>
                    <td className="nowrap">{formatDateTime(r.finished_at)}</td>
                    <td className="num nowrap">{formatDuration(durationBetween(r.started_at, r.finished_at, now))}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
