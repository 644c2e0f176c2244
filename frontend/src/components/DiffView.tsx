import { formatValue } from '../lib/format';
import { diffSummary, type DefinitionDiff, type FieldChange } from '../lib/sharing';

function Changes({ changes }: { changes: FieldChange[] }) {
  return (
    <ul className="diff-fields">
      {changes.map((c) => (
        <li key={c.field}>
          <code>{c.field}</code>: <del>{formatValue(c.from)}</del> → <ins>{formatValue(c.to)}</ins>
        </li>
      ))}
    </ul>
  );
}

/** Steps, edges and parameters added, removed and changed between two versions. */
export function DiffView({ diff }: { diff: DefinitionDiff }) {
  if (diff.identical)
    return (
      <p className="muted" data-testid="diff-summary">
        No changes.
      </p>
    );
  return (
    <div className="diff" data-testid="diff">
      <p className="strong" data-testid="diff-summary">
        {diffSummary(diff)}
      </p>
      <ul className="diff-list">
        {diff.steps.added.map((s) => (
          <li key={`sa-${String(s.id)}`} className="diff-added">
            + step <code>{String(s.id)}</code> {s.name ? `(${String(s.name)})` : ''}
          </li>
        ))}
        {diff.steps.removed.map((s) => (
          <li key={`sr-${String(s.id)}`} className="diff-removed">
            − step <code>{String(s.id)}</code> {s.name ? `(${String(s.name)})` : ''}
          </li>
        ))}
        {diff.steps.changed.map((s) => (
          <li key={`sc-${s.id}`} className="diff-changed">
            ~ step <code>{s.id}</code>
            <Changes changes={s.changes} />
          </li>
        ))}
        {diff.edges.added.map((e) => (
          <li key={`ea-${e.source}-${e.target}`} className="diff-added">
            + edge <code>{e.source}</code> → <code>{e.target}</code>
          </li>
        ))}
        {diff.edges.removed.map((e) => (
          <li key={`er-${e.source}-${e.target}`} className="diff-removed">
            − edge <code>{e.source}</code> → <code>{e.target}</code>
          </li>
        ))}
        {diff.parameters.added.map((p) => (
          <li key={`pa-${String(p.name)}`} className="diff-added">
            + parameter <code>{String(p.name)}</code>
          </li>
        ))}
        {diff.parameters.removed.map((p) => (
          <li key={`pr-${String(p.name)}`} className="diff-removed">
            − parameter <code>{String(p.name)}</code>
          </li>
        ))}
        {diff.parameters.changed.map((p) => (
          <li key={`pc-${p.name}`} className="diff-changed">
            ~ parameter <code>{p.name}</code>
            <Changes changes={p.changes} />
          </li>
        ))}
      </ul>
    </div>
  );
}
