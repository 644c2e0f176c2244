import type { EditConflictBody } from '../lib/sharing';
import { DiffView } from './DiffView';

interface Props {
  conflict: EditConflictBody;
  busy?: boolean;
  onReload: () => void;
  onOverwrite: () => void;
}

/**
 * Shown when saving answered 409: someone saved a newer version since this edit began.
 * Reload takes their version (dropping local changes); Overwrite saves again on top of it.
 * For the graph editor: catch with `editConflictOf(err)`, then overwrite by resending with
 * `base_version: conflict.current_version`.
 */
export function EditConflictNotice({ conflict, busy, onReload, onOverwrite }: Props) {
  return (
    <div className="conflict card" role="alert" data-testid="edit-conflict">
      <h3>Someone saved version {conflict.current_version} while you were editing</h3>
      <p className="muted">Your changes started from version {conflict.base_version}. What changed since:</p>
      <DiffView diff={conflict.changes} />
      <div className="conflict-actions">
        <button type="button" className="btn" onClick={onReload} disabled={busy} data-testid="conflict-reload">
          Reload their version
        </button>
        <button
          type="button"
          className="btn btn-primary"
          onClick={onOverwrite}
          disabled={busy}
          data-testid="conflict-overwrite"
        >
          Overwrite with mine
        </button>
      </div>
    </div>
  );
}
