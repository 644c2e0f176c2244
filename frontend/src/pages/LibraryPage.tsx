import '../sharing.css';
import { useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { CampaignTable, type CampaignColumn } from '../components/CampaignTable';
import { ForkDialog } from '../components/ForkDialog';
import { ImportDialog } from '../components/ImportDialog';
import { LaunchDialog } from '../components/LaunchDialog';
import { errorText } from '../lib/api';
import { ShareDialog } from '../components/ShareDialog';
import { useSetQueryParam, useTitle } from '../hooks';
import { formatDateTime } from '../lib/format';
import { useLibrary, useTeams } from '../lib/queries';
import { VISIBILITIES, type LibraryFilter, type SharedCampaign } from '../lib/sharing';
import { Icon } from '../components/Icon';

const FILTER_KEYS = ['search', 'team', 'owner', 'tag', 'visibility', 'sort'] as const;

export function Lineage({ campaign }: { campaign: SharedCampaign }) {
  const from = campaign.forked_from;
  if (!from) return null;
  return (
    <div className="lineage small" data-testid={`lineage-${campaign.id}`}>
      <Icon name="fork" size={13} /> forked from{' '}
      {from.name && from.id ? (
        <Link to={`/library/${from.id}`}>{from.name}</Link>
      ) : (
        <span className="muted">{from.deleted ? 'a deleted campaign' : 'a campaign you cannot see'}</span>
      )}{' '}
      v{from.version}
      {from.owner ? ` by ${from.owner}` : ''}
    </div>
  );
}

export function VisibilityBadge({ campaign }: { campaign: SharedCampaign }) {
  const label = campaign.visibility === 'team' ? `team ${campaign.team_name ?? ''}` : campaign.visibility;
  return (
    <span className={`badge visibility-${campaign.visibility}`} data-testid={`visibility-badge-${campaign.id}`}>
      {label}
    </span>
  );
}

const COLUMNS: CampaignColumn[] = [
  { header: 'Shared', cell: (c) => <VisibilityBadge campaign={c} /> },
  { header: 'Owner', cell: (c) => c.owner },
  { header: 'Version', className: 'num', cell: (c) => `v${c.version}` },
  {
    header: 'Last used',
    className: 'nowrap',
    cell: (c) => (c.last_used_at ? formatDateTime(c.last_used_at) : <span className="muted">never</span>),
  },
];

/** The template library: every campaign you may see, searchable, with forks and sharing. */
export function LibraryPage() {
  useTitle('Library');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [search, setSearch] = useState(params.get('search') ?? '');
  const [launching, setLaunching] = useState<SharedCampaign | null>(null);
  const [forking, setForking] = useState<SharedCampaign | null>(null);
  const [sharing, setSharing] = useState<SharedCampaign | null>(null);
  const [importing, setImporting] = useState(false);

  const filter = useMemo(() => {
    const out: LibraryFilter = {};
    for (const key of FILTER_KEYS) {
      const value = params.get(key);
      if (value) (out as Record<string, string>)[key] = value;
    }
    if (!out.sort) out.sort = 'recent';
    return out;
  }, [params]);
  const library = useLibrary(filter);
  const campaigns = library.data?.results ?? null;
  const count = library.data?.count ?? 0;
  const error = library.error ? errorText(library.error) : null;
  const teams = useTeams();

  const setFilter = useSetQueryParam();

  // Typing in the search box updates the address (and the list) once the user pauses.
  useEffect(() => {
    const id = setTimeout(() => {
      if ((params.get('search') ?? '') !== search) setFilter('search', search);
    }, 250);
    return () => clearTimeout(id);
  }, [search, params, setFilter]);

  return (
    <div className="page">
      <div className="page-header">
        <h1>Template library</h1>
        {campaigns && (
          <span className="muted" data-testid="library-count">
            {count} campaign{count === 1 ? '' : 's'}
          </span>
        )}
        <span className="spacer" />
        <button type="button" className="btn" onClick={() => setImporting(true)} data-testid="import-open">
          Import…
        </button>
      </div>

      <div className="filters library-filters" role="search">
        <input
          type="search"
          placeholder="Search name and description"
          aria-label="Search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          data-testid="library-search"
        />
        <select aria-label="Team" value={filter.team ?? ''} onChange={(e) => setFilter('team', e.target.value)}>
          <option value="">All teams</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <input
          type="text"
          placeholder="Owner"
          aria-label="Owner"
          defaultValue={filter.owner ?? ''}
          onBlur={(e) => setFilter('owner', e.target.value.trim())}
          onKeyDown={(e) => e.key === 'Enter' && setFilter('owner', e.currentTarget.value.trim())}
        />
        <input
          type="text"
          placeholder="Tag"
          aria-label="Tag"
          defaultValue={filter.tag ?? ''}
          onBlur={(e) => setFilter('tag', e.target.value.trim())}
          onKeyDown={(e) => e.key === 'Enter' && setFilter('tag', e.currentTarget.value.trim())}
        />
        <select
          aria-label="Visibility"
          value={filter.visibility ?? ''}
          onChange={(e) => setFilter('visibility', e.target.value)}
        >
          <option value="">Any visibility</option>
          {VISIBILITIES.map((v) => (
            <option key={v} value={v}>
              {v}
            </option>
          ))}
        </select>
        <select aria-label="Sort" value={filter.sort} onChange={(e) => setFilter('sort', e.target.value)}>
          <option value="recent">Recently used</option>
          <option value="updated">Recently changed</option>
          <option value="created">Newest</option>
          <option value="name">Name</option>
        </select>
      </div>

      {error && (
        <div className="form-error" role="alert">
          Could not load the library: {error}{' '}
          <button type="button" className="btn btn-small" onClick={() => void library.refetch()}>
            Retry
          </button>
        </div>
      )}
      {!campaigns && !error && <div className="muted">Loading…</div>}
      {campaigns && campaigns.length === 0 && <div className="empty">No campaign matches.</div>}
      {campaigns && campaigns.length > 0 && (
        <CampaignTable
          campaigns={campaigns}
          testId="library-list"
          rowTestId={(c) => `library-${c.id}`}
          href={(c) => `/library/${c.id}`}
          nameTestId={(c) => `open-${c.id}`}
          underName={(c) => (
            <>
              {c.description && <div className="description small">{c.description}</div>}
              <Lineage campaign={c} />
              {c.tags.length > 0 && (
                <div className="tags">
                  {c.tags.map((t) => (
                    <button type="button" key={t} className="tag" onClick={() => setFilter('tag', t)}>
                      #{t}
                    </button>
                  ))}
                </div>
              )}
            </>
          )}
          columns={COLUMNS}
          actions={(c) => (
            <>
              {c.permissions.manage && (
                <button
                  type="button"
                  className="btn btn-small btn-ghost"
                  onClick={() => setSharing(c)}
                  data-testid={`share-${c.id}`}
                >
                  Share
                </button>
              )}
              <button
                type="button"
                className="btn btn-small"
                onClick={() => setForking(c)}
                title={
                  c.permissions.fork
                    ? 'Copy it into your own space'
                    : (c.denials?.fork ?? 'You may not fork this campaign')
                }
                data-testid={`fork-${c.id}`}
              >
                <Icon name="fork" size={13} /> Fork
              </button>
              {c.permissions.launch && (
                <button
                  type="button"
                  className="btn btn-small btn-primary"
                  onClick={() => setLaunching(c)}
                  data-testid={`library-launch-${c.id}`}
                >
                  Launch
                </button>
              )}
            </>
          )}
        />
      )}

      {launching && (
        <LaunchDialog
          key={launching.id}
          campaign={launching}
          onClose={() => setLaunching(null)}
          onLaunched={(run) => navigate(`/runs/${run.id}`)}
        />
      )}
      {forking && (
        <ForkDialog
          campaign={forking}
          teams={teams}
          onClose={() => setForking(null)}
          onForked={(fork) => navigate(`/library/${fork.id}`)}
        />
      )}
      {sharing && (
        <ShareDialog
          campaign={sharing}
          teams={teams}
          onClose={() => setSharing(null)}
          onShared={() => setSharing(null)}
        />
      )}
      {importing && (
        <ImportDialog
          teams={teams}
          onClose={() => setImporting(false)}
          onImported={(c) => navigate(`/library/${c.id}`)}
        />
      )}
    </div>
  );
}
