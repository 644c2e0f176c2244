import { useCallback, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { ApiError, errorText } from '../lib/api';
import { useSaveCampaign } from '../lib/queries';
import type { Campaign } from '../lib/types';
import { docToApiBody, docToDefinition, type EditorDoc } from './lib/doc';
import { canvasErrors, NO_ERRORS, type CanvasErrors } from './lib/serverErrors';
import { mergedMessage, saveMergingLayout } from './lib/layoutMerge';

export interface Conflict {
  detail: string;
  currentVersion: number | null;
  changes: unknown;
}

interface Options {
  doc: EditorDoc;
  campaign: Campaign | null;
  setCampaign: (c: Campaign) => void;
  markSaved: (doc: EditorDoc) => void;
  notify: (text: string, tone?: 'error' | 'info') => void;
  /** Kept in the URL's state when a new campaign moves to its own URL, so the screen (and undo) stays. */
  editorKey: string;
  /** Set to the new campaign's id when the first save creates it (so that nothing is loaded over the screen). */
  created: { current: string | null };
  /** The problems a refused save marks on the canvas. */
  setErrors: (errors: CanvasErrors) => void;
  /** Puts on screen the document saved after merging another editor's layout (an undoable edit). */
  showMerged: (doc: EditorDoc) => void;
}

/** What the toast says after a save: a new version, or only the layout (positions, notes), or nothing. */
export function savedMessage(before: Campaign | null, saved: Campaign, doc: EditorDoc | null): string {
  if (!before || saved.version !== before.version) return `Saved as version ${saved.version}.`;
  const layoutChanged =
    doc != null &&
    JSON.stringify(docToDefinition(doc)) !== JSON.stringify(docToDefinition({ ...doc, ...layoutOf(before) }));
  return layoutChanged
    ? `Saved the layout: still version ${saved.version} (moving steps and notes makes no new version).`
    : 'Saved (nothing changed in the definition).';
}

function layoutOf(c: Campaign): Pick<EditorDoc, 'steps' | 'notes'> {
  return {
    steps: c.graph.steps.map((s) => ({ ...s, kind: s.kind ?? 'function' })),
    notes: c.layout?.notes ?? [],
  };
}

/** Saving the document: one save at a time, a 409 becomes a conflict to resolve, a 400 marks the canvas. */
export function useEditorSave(options: Options) {
  const { doc, campaign, setCampaign, markSaved, notify, editorKey, created, setErrors, showMerged } = options;
  const navigate = useNavigate();
  const { mutateAsync, isPending: saving } = useSaveCampaign();
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [showProblems, setShowProblems] = useState(false);

  const save = useCallback(
    async (overwrite: { version: number | null } | null = null) => {
      if (saving) return;
      // Overwriting names the version it overwrites (when the server said), so a third save in between
      // is not lost silently.
      const body = docToApiBody(doc, overwrite ? overwrite.version : (campaign?.version ?? null));
      try {
        // A save that moved steps someone else moved meanwhile is merged with theirs (layoutMerge.ts).
        const { saved, sent, merge } = campaign
          ? await saveMergingLayout(
              (b) => mutateAsync({ id: campaign.id, body: b }),
              doc,
              campaign,
              body,
              (e) => (e instanceof ApiError && e.status === 409 ? e.body : null),
            )
          : { saved: await mutateAsync({ id: null, body }), sent: doc, merge: null };
        setCampaign(saved);
        if (sent !== doc) showMerged(sent);
        markSaved(sent);
        setErrors(NO_ERRORS);
        setConflict(null);
        notify(merge ? mergedMessage(merge) : savedMessage(campaign, saved, doc));
        if (!campaign) {
          created.current = String(saved.id);
          navigate(`/campaigns/${saved.id}/edit`, { replace: true, state: { editorKey } });
        }
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) {
          const b = (err.body ?? {}) as Record<string, unknown>;
          setConflict({
            detail: String(b.detail ?? ''),
            currentVersion: typeof b.current_version === 'number' ? b.current_version : null,
            changes: b.changes,
          });
        } else if (err instanceof ApiError && err.status === 400) {
          const mapped = canvasErrors(err.body);
          setErrors(mapped);
          setShowProblems(true);
          notify(`Not saved: ${mapped.count} problem${mapped.count === 1 ? '' : 's'} to fix.`, 'error');
        } else {
          notify(`Not saved: ${errorText(err)}`, 'error');
        }
      }
    },
    [
      campaign,
      created,
      doc,
      editorKey,
      markSaved,
      mutateAsync,
      navigate,
      notify,
      saving,
      setCampaign,
      setErrors,
      showMerged,
    ],
  );

  return { save, saving, conflict, setConflict, showProblems, setShowProblems };
}
