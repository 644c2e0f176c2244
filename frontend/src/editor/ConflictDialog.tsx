import { describeChanges } from './lib/conflict';

interface Props {
  detail: string;
  currentVersion: number | null;
  changes: unknown;
  onReload: () => void;
  onOverwrite: () => void;
  onCancel: () => void;
}

/** Someone saved a newer version since this editor loaded: reload theirs or overwrite with ours. */
export function ConflictDialog({ detail, currentVersion, changes, onReload, onOverwrite, onCancel }: Props) {
  const list = describeChanges(changes);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="alertdialog" aria-modal="true" data-testid="conflict-dialog">
        <div className="modal-header">
          <h2>Someone else saved this campaign</h2>
          {currentVersion != null && <span className="muted">now v{currentVersion}</span>}
        </div>
        <div className="modal-body">
          <p>{detail || 'The campaign changed since you opened it.'}</p>
          {list.length > 0 && (
            <ul className="small">
              {list.slice(0, 12).map((c, i) => (
                <li key={i}>{c}</li>
              ))}
            </ul>
          )}
          <p className="muted small">
            Reload discards your unsaved edits and opens their version. Overwrite saves yours as the newest version
            (theirs stays in the version history).
          </p>
        </div>
        <div className="modal-footer">
          <button type="button" className="btn" onClick={onCancel}>
            Keep editing
          </button>
          <button type="button" className="btn" onClick={onReload} data-testid="conflict-reload">
            Reload theirs
          </button>
          <button type="button" className="btn btn-primary" onClick={onOverwrite} data-testid="conflict-overwrite">
            Overwrite
          </button>
        </div>
      </div>
    </div>
  );
}
