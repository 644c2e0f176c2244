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
  const [saved, setSaved] = useState(() => fingerprint(initial));
  const last = useRef<{ key: string; at: number } | null>(null);

  const edit = useCallback((change: (doc: EditorDoc) => EditorDoc, options: EditOptions = {}) => {
    setHistory((h) => {
      const next = change(h.present);
      if (next === h.present) return h;
      const now = Date.now();
      const merge =
        options.coalesce != null &&
        last.current?.key === options.coalesce &&
        now - last.current.at < COALESCE_MS &&
        h.past.length > 0;
      last.current = options.coalesce ? { key: options.coalesce, at: now } : null;
      return merge ? historyReplace(h, next) : historyPush(h, next);
    });
  }, []);

  const undo = useCallback(() => {
    last.current = null;
    setHistory(historyUndo);
  }, []);
  const redo = useCallback(() => {
    last.current = null;
    setHistory(historyRedo);
  }, []);
  const reset = useCallback((doc: EditorDoc, fresh = true) => {
    last.current = null;
    setHistory((h) => (fresh ? historyStart(doc) : historyPush(h, doc)));
    setSaved(fingerprint(doc));
  }, []);
  const markSaved = useCallback((doc: EditorDoc) => setSaved(fingerprint(doc)), []);

  const doc = history.present;
  const dirty = useMemo(() => fingerprint(doc) !== saved, [doc, saved]);
  return { doc, edit, undo, redo, canUndo: canUndo(history), canRedo: canRedo(history), reset, markSaved, dirty };
}
