import { useMemo } from 'react';
import { Link } from 'react-router-dom';
import type { EditorDocState } from './useEditorDoc';

/** Whether the editor was opened to look at a campaign only (a workflow step's child: `?view=1`). */
export function isViewOnly(search: string): boolean {
  return new URLSearchParams(search).get('view') === '1';
}

/** The document state with every change refused, so nothing on screen can edit the campaign. */
export function useViewOnlyState(state: EditorDocState, viewOnly: boolean, refuse: () => void): EditorDocState {
  return useMemo(
    () => (viewOnly ? { ...state, edit: refuse, undo: refuse, redo: refuse, canUndo: false, canRedo: false } : state),
    [refuse, state, viewOnly],
  );
}

export function ViewOnlyBanner({ campaignId, name }: { campaignId: string; name: string }) {
  return (
    <div className="view-only-banner" role="status" data-testid="view-only-banner">
      Read-only view of <strong>{name}</strong>.{' '}
      <Link to={`/campaigns/${campaignId}/edit`} data-testid="view-only-edit">
        Edit this campaign
      </Link>
    </div>
  );
}
