// Sticky notes on the canvas: kept with the campaign's layout, not its steps, so they make no version. No React.
import type { components } from '../../lib/generated/api';
import type { EditorDoc } from './doc';

export type StickyNote = components['schemas']['StickyNote'];

/** The server's limits (``graph/layout.py``), checked here too so the editor refuses before Save. */
export const MAX_NOTES = 100;
export const MAX_NOTE_CHARS = 10_000;
export const NOTE_COLORS = ['yellow', 'blue', 'green', 'pink', 'purple', 'grey'] as const;
export const NOTE_WIDTH = 220;
export const NOTE_HEIGHT = 140;
export const NOTE_MIN_SIZE = 60;
export const NOTE_MAX_SIZE = 2000;

const clampSize = (v: number) => Math.round(Math.min(NOTE_MAX_SIZE, Math.max(NOTE_MIN_SIZE, v)));

/** A new empty note at `at` (flow coordinates), or the reason there may be no more. */
export function addNote(
  doc: EditorDoc,
  at: { x: number; y: number },
): { doc: EditorDoc; id: string | null; error?: string } {
  if (doc.notes.length >= MAX_NOTES) return { doc, id: null, error: `A campaign holds at most ${MAX_NOTES} notes.` };
  const taken = new Set(doc.notes.map((n) => n.id));
  let k = doc.notes.length + 1;
  while (taken.has(`note_${k}`)) k++;
  const note: StickyNote = {
    id: `note_${k}`,
    text: '',
    x: Math.round(at.x),
    y: Math.round(at.y),
    width: NOTE_WIDTH,
    height: NOTE_HEIGHT,
    color: 'yellow',
  };
  return { doc: { ...doc, notes: [...doc.notes, note] }, id: note.id };
}

export function updateNote(doc: EditorDoc, id: string, patch: Partial<Omit<StickyNote, 'id'>>): EditorDoc {
  let changed = false;
  const notes = doc.notes.map((n) => {
    if (n.id !== id) return n;
    const next = { ...n, ...patch };
    if (patch.width != null) next.width = clampSize(patch.width);
    if (patch.height != null) next.height = clampSize(patch.height);
    if (patch.x != null) next.x = Math.round(patch.x);
    if (patch.y != null) next.y = Math.round(patch.y);
    if (patch.text != null) next.text = patch.text.slice(0, MAX_NOTE_CHARS);
    changed ||= (Object.keys(next) as (keyof StickyNote)[]).some((k) => next[k] !== n[k]);
    return next;
  });
  return changed ? { ...doc, notes } : doc;
}

/** Notes moved to `moved` (by id, flow coordinates); the same document when none moved. */
export function moveNotes(doc: EditorDoc, moved: Record<string, { x: number; y: number }>): EditorDoc {
  return Object.entries(moved).reduce((d, [id, p]) => updateNote(d, id, p), doc);
}

export function removeNotes(doc: EditorDoc, ids: readonly string[]): EditorDoc {
  if (!ids.length) return doc;
  const gone = new Set(ids);
  const notes = doc.notes.filter((n) => !gone.has(n.id));
  return notes.length === doc.notes.length ? doc : { ...doc, notes };
}
