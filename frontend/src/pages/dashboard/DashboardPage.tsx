import { useCallback, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { campaignOptions, FilterSelect, RUN_STATE_OPTIONS } from '../../components/FilterSelect';
import { LiveIndicator } from '../../components/LiveIndicator';
import { useSetQueryParam, useTitle } from '../../hooks';
import type { DashFilter, Row } from '../../lib/dashboardStore';
import { RUN_STATES } from '../../lib/types';
import { BackendsPanel } from './BackendsPanel';
import { DashboardTimeline } from './DashboardTimeline';
import { useDashboardData } from './useDashboardData';

const WINDOWS: [string, number][] = [
  ['auto', 0],
  ['30s', 30_000],
  ['2m', 120_000],
  ['10m', 600_000],
  ['1h', 3_600_000],
  ['6h', 21_600_000],
];
const STEP_STATES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];

function autoWindow(rows: Row[], now: number): number {
  let earliest = now;
  for (const row of rows) {
    if (row.kind !== 'run') continue;
    const t = row.run.steps[0]?.queued ?? row.run.createdAt ?? now;
    if (t < earliest) earliest = t;
  }
  const span = (now - earliest) * 1.15;
  const steps = [10_000, 30_000, 60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000, 21_600_000];
  return steps.find((s) => s >= span) ?? steps[steps.length - 1];
}

export function DashboardPage() {
  useTitle('Dashboard');
  const [params] = useSearchParams();
  const campaign = params.get('campaign') ? Number(params.get('campaign')) : null;
  const owner = params.get('owner') || null;
  const state = params.get('state') || null;
  const windowKey = params.get('window') ?? 'auto';
  const fixedWindow = WINDOWS.find(([k]) => k === windowKey)?.[1] ?? 0;
  const follow = params.get('paused') !== '1';
  const highlightBatch = params.get('batch') ? Number(params.get('batch')) : null;
  const minutes = Math.max(60, Math.ceil(fixedWindow / 60_000));

  const query = useMemo(() => ({ minutes, campaign, owner }), [minutes, campaign, owner]);
  const { store, version, status, error, loaded, truncated } = useDashboardData(query);
  const filter: DashFilter = useMemo(() => ({ campaign, owner, state }), [campaign, owner, state]);

  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const toggleChildren = useCallback((runId: number) => {
    setExpanded((cur) => {
      const next = new Set(cur);
      if (next.has(runId)) next.delete(runId);
      else next.add(runId);
      return next;
    });
  }, []);
  // Each render follows `version` (useSyncExternalStore, once per frame); the store keeps these until
  // what they are made of changes: rows until runs come or go (or, with a state filter, states move).
  const rows = store.rows(filter, expanded);
  const counts = store.counts({ campaign, owner });
  const everyStep = store.counts().steps;
  const activeSteps = (everyStep.queued ?? 0) + (everyStep.running ?? 0);
  const campaigns = store.campaigns();
  const owners = store.owners();

  const set = useSetQueryParam();
  // "auto" fits every run in view (from 10 s up to 6 h).
  const windowMs = fixedWindow || autoWindow(rows, Date.now() + store.clockSkew);
  const runTotal = Object.values(counts.runs).reduce((a, b) => a + b, 0);

  return (
    <div className="page dashboard-page">
      <div className="page-header dash-header">
        <h1>Dashboard</h1>
        <LiveIndicator status={status} />
        <div className="dash-counts" data-testid="dashboard-counts">
          <button
            type="button"
            className={`count-chip${!state ? ' active' : ''}`}
            onClick={() => set('state', null)}
            data-testid="count-all"
          >
            all runs <b>{runTotal}</b>
          </button>
          {RUN_STATES.map((s) => (
            <button
              type="button"
              key={s}
              className={`count-chip state-${s}${state === s ? ' active' : ''}`}
              onClick={() => set('state', state === s ? null : s)}
              data-testid={`count-${s}`}
              data-count={counts.runs[s] ?? 0}
              title={`Show only ${s} runs`}
            >
              {s} <b>{counts.runs[s] ?? 0}</b>
            </button>
          ))}
        </div>
      </div>
      <div className="dash-toolbar">
        <FilterSelect
          label="Campaign"
          allLabel="All campaigns"
          param="campaign"
          testId="dash-campaign-filter"
          options={campaignOptions(campaigns)}
          unknownLabel={(id) => `#${id}`}
        />
        <FilterSelect
          label="State"
          allLabel="All states"
          param="state"
          testId="dash-state-filter"
          options={RUN_STATE_OPTIONS}
        />
        <FilterSelect
          label="Owner"
          allLabel="Everyone"
          param="owner"
          testId="dash-owner-filter"
          options={owners.map((o) => ({ value: o, label: o }))}
          unknownLabel={(name) => name}
        />
        <div className="segmented" role="radiogroup" aria-label="Time window">
          {WINDOWS.map(([k]) => (
            <label key={k} className={k === windowKey ? 'active' : ''} data-testid={`window-${k}`}>
              <input type="radio" name="window" checked={k === windowKey} onChange={() => set('window', k)} />
              {k}
            </label>
          ))}
        </div>
        <button
          type="button"
          className="btn btn-small"
          onClick={() => set('paused', follow ? '1' : null)}
          data-testid="dash-follow"
        >
          {follow ? '❚❚ Pause' : '▶ Follow now'}
        </button>
        <div className="dash-step-counts small" data-testid="dashboard-step-counts">
          steps:{' '}
          {STEP_STATES.filter((s) => counts.steps[s]).map((s) => (
            <span
              key={s}
              className={`step-count state-${s}`}
              data-testid={`step-count-${s}`}
              data-count={counts.steps[s]}
            >
              <span className={`tl-dot state-${s}`} /> {s} {counts.steps[s]}
            </span>
          ))}
        </div>
      </div>
      <BackendsPanel activeSteps={activeSteps} />
      {error && (
        <div className="form-error" role="alert">
          Could not load the dashboard: {error}
        </div>
      )}
      {truncated && (
        <div className="muted small">Showing the newest runs only; narrow the filters to see the rest.</div>
      )}
      {loaded && rows.length === 0 ? (
        <div className="empty" data-testid="dashboard-empty">
          No runs in the last {minutes} minutes{state || campaign || owner ? ' matching the filters' : ''}.{' '}
          <Link to="/campaigns">Launch a campaign.</Link>
        </div>
      ) : (
        <DashboardTimeline
          store={store}
          rows={rows}
          version={version}
          windowMs={windowMs}
          follow={follow}
          highlightBatch={highlightBatch}
          onToggleChildren={toggleChildren}
        />
      )}
    </div>
  );
}
