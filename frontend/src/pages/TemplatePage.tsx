import '../sharing.css';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { DiffView } from '../components/DiffView';
import { ForkDialog } from '../components/ForkDialog';
import { LaunchDialog } from '../components/LaunchDialog';
import { errorText } from '../lib/api';
import { ShareDialog } from '../components/ShareDialog';
import { useTitle } from '../hooks';
import { formatDateTime, formatValue } from '../lib/format';
import {
  useCampaign,
  useDeleteCampaign,
  useDiff,
  useLineage,
  useRestoreVersion,
  useTeams,
  useVersions,
} from '../lib/queries';
import { editConflictOf, exportUrl, type SharedCampaign } from '../lib/sharing';
import { Lineage, VisibilityBadge } from './LibraryPage';
import { Icon } from '../components/Icon';
import { Truncated } from '../components/Truncated';
import { FormError } from '../components/FormError';

/** The campaign's versions and the diff of two of them; mounted afresh for each version of the campaign. */
function VersionsPanel({ campaign }: { campaign: SharedCampaign }) {
  const versionsQuery = useVersions(campaign.id);
  const versions = versionsQuery.data ?? null;
  const [from, setFrom] = useState(Math.max(campaign.version - 1, 1));
  const [to, setTo] = useState(campaign.version);
  // Each pair of versions is its own query: an answer for an earlier pick lands in its own entry, never here.
  const diffQuery = useDiff(campaign.id, from, to);
  const diff = from === to ? null : (diffQuery.data ?? null);
  const restoreVersion = useRestoreVersion();
  const [restoreError, setRestoreError] = useState<string | null>(null);
  const busy = restoreVersion.isPending;
  const failure = versionsQuery.error ?? (from === to ? null : diffQuery.error);
  const error = restoreError ?? (failure ? errorText(failure) : null);

  const restore = async (n: number) => {
    setRestoreError(null);
    try {
      await restoreVersion.mutateAsync({ id: campaign.id, number: n, baseVersion: campaign.version });
    } catch (err) {
      const conflict = editConflictOf(err);
      setRestoreError(conflict ? `${conflict.detail}` : errorText(err));
    }
  };

  return (
    <section className="card" data-testid="versions">
      <h2 className="card-title">Versions</h2>
      <FormError message={error} />
      {versions && (
        <table className="table table-compact">
          <thead>
            <tr>
              <th>Version</th>
              <th>By</th>
              <th>When</th>
              <th>Note</th>
              <th className="num">Steps</th>
              <th>Compare</th>
              <th aria-label="Actions" />
            </tr>
          </thead>
          <tbody>
            {versions.map((v) => (
              <tr key={v.number} data-testid={`version-${v.number}`}>
                <td className="strong">
                  v{v.number}
                  {v.number === campaign.version && <span className="badge badge-inline">current</span>}
                </td>
                <td>{v.created_by}</td>
                <td className="nowrap">{formatDateTime(v.created_at)}</td>
                <td className="muted">{v.note}</td>
                <td className="num">{v.steps}</td>
                <td className="nowrap">
                  <label className="radio-label">
                    <input
                      type="radio"
                      name="diff-from"
                      checked={from === v.number}
                      onChange={() => setFrom(v.number)}
                    />
                    from
                  </label>{' '}
                  <label className="radio-label">
                    <input type="radio" name="diff-to" checked={to === v.number} onChange={() => setTo(v.number)} />
                    to
                  </label>
                </td>
                <td className="actions">
                  {campaign.permissions.edit && v.number !== campaign.version && (
                    <button
                      type="button"
                      className="btn btn-small"
                      disabled={busy}
                      onClick={() => restore(v.number)}
                      data-testid={`restore-${v.number}`}
                    >
                      Restore
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h3>{from === to ? 'Compare versions' : `Changes from v${from} to v${to}`}</h3>
      {from === to ? <p className="muted">Pick two different versions.</p> : diff && <DiffView diff={diff} />}
    </section>
  );
}

/** One template: what it is, where it came from, its versions, and what you may do with it. */
export function TemplatePage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const campaignQuery = useCampaign(id);
  const campaign = campaignQuery.data ?? null;
  const lineage = useLineage(id).data ?? null;
  const teams = useTeams();
  const deleteCampaign = useDeleteCampaign();
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const error = deleteError ?? (campaignQuery.error ? errorText(campaignQuery.error) : null);
  const [dialog, setDialog] = useState<'launch' | 'fork' | 'share' | null>(null);
  useTitle(campaign?.name ?? 'Campaign');

  if (error) {
    return (
      <div className="page">
        <div className="form-error" role="alert" data-testid="template-error">
          {error} <Link to="/library">Back to the library</Link>
        </div>
      </div>
    );
  }
  if (!campaign) return <div className="page muted">Loading…</div>;

  const remove = async () => {
    if (!window.confirm(`Delete “${campaign.name}” with all its versions and runs?`)) return;
    try {
      await deleteCampaign.mutateAsync(campaign.id);
      navigate('/library');
    } catch (err) {
      setDeleteError(errorText(err));
    }
  };

  return (
    <div className="page" data-testid="template-page">
      <div className="crumbs">
        <Link to="/library">Library</Link> / <Truncated text={campaign.name} />
      </div>
      <div className="page-header">
        <h1 data-testid="template-name" className="truncate" title={campaign.name}>
          {campaign.name}
        </h1>
        <VisibilityBadge campaign={campaign} />
        <span className="muted">
          v{campaign.version} · {campaign.owner}
        </span>
        <span className="spacer" />
        {campaign.permissions.manage && (
          <button type="button" className="btn" onClick={() => setDialog('share')} data-testid="template-share">
            Share
          </button>
        )}
        <button
          type="button"
          className="btn"
          onClick={() => setDialog('fork')}
          title={campaign.permissions.fork ? 'Copy it into your own space' : (campaign.denials?.fork ?? undefined)}
          data-testid="template-fork"
        >
          <Icon name="fork" size={14} /> Fork
        </button>
        {campaign.permissions.launch && (
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => setDialog('launch')}
            data-testid="template-launch"
          >
            Launch
          </button>
        )}
      </div>
      {campaign.description && <p>{campaign.description}</p>}
      {(!campaign.permissions.edit || !campaign.permissions.fork || !campaign.permissions.launch) &&
        campaign.denials && (
          <ul className="role-notes small" data-testid="template-denials">
            {(['edit', 'launch', 'fork'] as const).map((verb) =>
              campaign.denials?.[verb] ? (
                <li key={verb} data-testid={`denial-${verb}`}>
                  <strong>{verb[0].toUpperCase() + verb.slice(1)}:</strong> {campaign.denials[verb]}
                </li>
              ) : null,
            )}
          </ul>
        )}
      <Lineage campaign={campaign} />

      <div className="template-grid">
        <section className="card">
          <h2 className="card-title">Parameters</h2>
          {campaign.parameters.length === 0 ? (
            <p className="muted">None.</p>
          ) : (
            <table className="table table-compact" data-testid="parameters">
              <tbody>
                {campaign.parameters.map((p) => (
                  <tr key={p.name}>
                    <td className="strong">
                      {p.name}
                      {p.required && <span className="required"> *</span>}
                    </td>
                    <td>
                      <span className="field-type">{p.type}</span>
                    </td>
                    <td>{p.default != null ? formatValue(p.default) : <span className="muted">—</span>}</td>
                    <td className="muted">{p.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2 className="card-title">Steps</h2>
          <ol className="step-list">
            {campaign.graph.steps.map((s) => (
              <li key={s.id}>
                <code>{s.id}</code> {s.name}{' '}
                <span className="muted">({s.kind === 'function' ? s.function : 'executable'})</span>
              </li>
            ))}
          </ol>
        </section>
        <section className="card">
          <h2 className="card-title">Export</h2>
          <p className="export-links">
            <a href={exportUrl(campaign.id, 'json')} download data-testid="export-json">
              JSON
            </a>{' '}
            ·{' '}
            <a href={exportUrl(campaign.id, 'yaml')} download data-testid="export-yaml">
              YAML
            </a>{' '}
            ·{' '}
            <a href={exportUrl(campaign.id, 'asyncflow')} download data-testid="export-asyncflow">
              AsyncFlow script (.py)
            </a>
          </p>
          <h2 className="card-title">Lineage</h2>
          {lineage && lineage.ancestors.length === 0 && lineage.forks.length === 0 && (
            <p className="muted">An original.</p>
          )}
          {lineage && lineage.ancestors.length > 0 && (
            <ul>
              {lineage.ancestors.map((a, i) => (
                <li key={`${a.id}-${i}`}>
                  {i === 0 ? 'forked from ' : 'which was forked from '}
                  {a.visible ? (
                    <Link to={`/library/${a.id}`}>{a.name}</Link>
                  ) : (
                    <span className="muted">a campaign you cannot see</span>
                  )}{' '}
                  v{a.version}
                  {a.owner ? ` by ${a.owner}` : ''}
                </li>
              ))}
            </ul>
          )}
          {lineage && lineage.forks.length > 0 && (
            <>
              <p className="muted">Forks you can see:</p>
              <ul data-testid="forks">
                {lineage.forks.map((f) => (
                  <li key={f.id}>
                    <Link to={`/library/${f.id}`}>{f.name}</Link> by {f.owner} (from v{f.version})
                  </li>
                ))}
              </ul>
            </>
          )}
          <p>
            <Link to={`/runs?campaign=${campaign.id}`}>Runs of this campaign</Link>
          </p>
          {campaign.permissions.manage && (
            <button type="button" className="btn btn-small btn-danger" onClick={remove} data-testid="template-delete">
              Delete campaign
            </button>
          )}
        </section>
      </div>

      <VersionsPanel key={`${campaign.id}-${campaign.version}`} campaign={campaign} />

      {dialog === 'launch' && (
        <LaunchDialog
          campaign={campaign}
          onClose={() => setDialog(null)}
          onLaunched={(run) => navigate(`/runs/${run.id}`)}
        />
      )}
      {dialog === 'fork' && (
        <ForkDialog
          campaign={campaign}
          teams={teams}
          onClose={() => setDialog(null)}
          onForked={(fork) => {
            setDialog(null);
            navigate(`/library/${fork.id}`);
          }}
        />
      )}
      {dialog === 'share' && (
        <ShareDialog
          campaign={campaign}
          teams={teams}
          onClose={() => setDialog(null)}
          onShared={() => setDialog(null)}
        />
      )}
    </div>
  );
}
