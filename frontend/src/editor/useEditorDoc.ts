import { useCallback, useMemo, useRef, useState } from 'react';
import { docToDefinition, EMPTY_DOC, type EditorDoc } from './lib/doc';
import {
  canRedo,
  canUndo,
  historyPush,
  historyRedo,
  historyReplace,
  historyStart,
  historyUndo,
  type History,
} from './lib/history';

/** Typing in one field within this long is one undo step. */
const COALESCE_MS = 1200;

export interface EditOptions {
  /** Edits with the same key in quick succession merge into one undo step (typing). */
  coalesce?: string;
}

export interface EditorDocState {
  doc: EditorDoc;
  /** The document after every change so far, including those React has not rendered yet. */
  current: () => EditorDoc;
  edit: (change: (doc: EditorDoc) => EditorDoc, options?: EditOptions) => void;
  undo: () => void;
  redo: () => void;
  canUndo: boolean;
  canRedo: boolean;
  /** Start over from a loaded or saved document (clears history when `fresh`). */
  reset: (doc: EditorDoc, fresh?: boolean) => void;
  markSaved: (doc: EditorDoc) => void;
  dirty: boolean;
}

const fingerprint = (doc: EditorDoc) => JSON.stringify(docToDefinition(doc));

export function useEditorDoc(initial: EditorDoc = EMPTY_DOC): EditorDocState {
  const [history, setHistory] = useState<History<EditorDoc>>(() => historyStart(initial));
  // The history as of the last change, ahead of React's render: a command that awaits (a clipboard read) and
  // then edits must build on every change made meanwhile, not on the document of the render it started in.
  const latest = useRef(history);
  const [saved, setSaved] = useState(() => fingerprint(initial));
  const last = useRef<{ key: string; at: number } | null>(null);

  const commit = useCallback((next: History<EditorDoc>) => {
    latest.current = next;
    setHistory(next);
  }, []);

  const edit = useCallback(
    (change: (doc: EditorDoc) => EditorDoc, options: EditOptions = {}) => {
      const h = latest.current;
      const next = change(h.present);
      if (next === h.present) return;
      const now = Date.now();
      const merge =
        options.coalesce != null &&
        last.current?.key === options.coalesce &&
        now - last.current.at < COALESCE_MS &&
        h.past.length > 0;
      last.current = options.coalesce ? { key: options.coalesce, at: now } : null;
      commit(merge ? historyReplace(h, next) : historyPush(h, next));
    },
    [commit],
  );

  const undo = useCallback(() => {
    last.current = null;
    commit(historyUndo(latest.current));
  }, [commit]);
  const redo = useCallback(() => {
    last.current = null;
    commit(historyRedo(latest.current));
  }, [commit]);
  const reset = useCallback(
    (doc: EditorDoc, fresh = true) => {
      last.current = null;
      commit(fresh ? historyStart(doc) : historyPush(latest.current, doc));
      setSaved(fingerprint(doc));
    },
    [commit],
  );
  const markSaved = useCallback((doc: EditorDoc) => setSaved(fingerprint(doc)), []);
  const current = useCallback(() => latest.current.present, []);

  const doc = history.present;
  const dirty = useMemo(() => fingerprint(doc) !== saved, [doc, saved]);
  return {
    doc,
    current,
    edit,
    undo,
    redo,
    canUndo: canUndo(history),
    canRedo: canRedo(history),
    reset,
    markSaved,
    dirty,
  };
}
