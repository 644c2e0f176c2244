// Merging two editors' layouts after a save is refused as stale (409 `layout_conflict`): per step, keep
// your move where you moved it and the other editor's everywhere else; per sticky note the same. Where
// you both moved one step (or edited one note) yours is kept and the clash is named, so the toast can
// say what was overridden. No React.
import type { Campaign } from '../../lib/types';
import { docToDefinition, type EditorDoc } from './doc';
import type { StickyNote } from './notes';

type Position = { x: number; y: number };

/** A layout as the three parties hold it: step positions by step id, and the notes. */
export interface LayoutSide {
  positions: Readonly<Record<string, Position>>;
  notes: readonly StickyNote[];
}

export interface LayoutMerge {
  positions: Record<string, Position>;
  notes: StickyNote[];
  /** Steps both editors moved to different places (yours kept). */
  clashingSteps: string[];
  /** Notes both editors changed differently (yours kept; a note one deleted and the other edited stays). */
  clashingNotes: string[];
}

const samePlace = (a: Position | undefined, b: Position | undefined) =>
  a === b || (a != null && b != null && a.x === b.x && a.y === b.y);
const sameNote = (a: StickyNote | undefined, b: StickyNote | undefined) =>
  a === b || (a != null && b != null && JSON.stringify(a) === JSON.stringify(b));

/**
 * `base` is the layout both edits started from (your last load or save), `mine` what you have now,
 * `theirs` the layout the server holds. Steps are those of `mine` (your graph is what is being saved).
 */
export function mergeLayouts(base: LayoutSide, mine: LayoutSide, theirs: LayoutSide): LayoutMerge {
  const positions: Record<string, Position> = {};
  const clashingSteps: string[] = [];
  for (const [id, place] of Object.entries(mine.positions)) {
    const before = base.positions[id];
    const other = theirs.positions[id];
    const movedByMe = !samePlace(place, before);
    const movedByThem = other != null && !samePlace(other, before);
    if (movedByMe && movedByThem && !samePlace(place, other)) clashingSteps.push(id);
    positions[id] = movedByMe || other == null ? place : other;
  }

  const byId = (notes: readonly StickyNote[]) => new Map(notes.map((n) => [n.id, n]));
  const [baseNotes, myNotes, theirNotes] = [byId(base.notes), byId(mine.notes), byId(theirs.notes)];
  const notes: StickyNote[] = [];
  const clashingNotes: string[] = [];
  // Your notes in your order, then the ones only the other editor added.
  const ids = [...myNotes.keys(), ...[...theirNotes.keys()].filter((id) => !myNotes.has(id))];
  for (const id of ids) {
    const before = baseNotes.get(id);
    const mineNow = myNotes.get(id);
    const theirsNow = theirNotes.get(id);
    const changedByMe = !sameNote(mineNow, before);
    const changedByThem = !sameNote(theirsNow, before);
    if (changedByMe && changedByThem && !sameNote(mineNow, theirsNow)) clashingNotes.push(id);
    // A deletion is a change: the side that changed the note decides; where both did, yours wins unless
    // yours is a deletion of a note they edited (their text is not thrown away unseen).
    const kept = changedByMe ? (mineNow ?? (changedByThem ? theirsNow : undefined)) : theirsNow;
    if (kept) notes.push({ ...kept });
  }
  return { positions, notes, clashingSteps, clashingNotes };
}

/** The layout of an editor document. */
export function docLayout(doc: Pick<EditorDoc, 'steps' | 'notes'>): LayoutSide {
  const positions: Record<string, Position> = {};
  for (const s of doc.steps) if (s.position) positions[s.id] = { x: s.position.x, y: s.position.y };
  return { positions, notes: doc.notes };
}

/** The layout of a campaign as the API answered it (the base of the next save). */
export function campaignLayout(c: Pick<Campaign, 'graph' | 'layout'>): LayoutSide {
  const positions: Record<string, Position> = { ...(c.layout?.positions ?? {}) };
  for (const s of c.graph.steps) if (s.position && !positions[s.id]) positions[s.id] = s.position;
  return { positions, notes: c.layout?.notes ?? [] };
}

/** What a 409 `layout_conflict` answer carries: the server's layout and its revision. */
export function layoutConflictOf(body: unknown): { layout: LayoutSide; revision: number } | null {
  const b = (body ?? {}) as Record<string, unknown>;
  const layout = b.layout as Partial<LayoutSide> | undefined;
  if (b.code !== 'layout_conflict' || typeof b.layout_revision !== 'number' || !layout) return null;
  return { layout: { positions: layout.positions ?? {}, notes: layout.notes ?? [] }, revision: b.layout_revision };
}

/** Your document with the merged layout: steps where the merge puts them, the merged notes. */
export function docWithLayout(doc: EditorDoc, merged: Pick<LayoutMerge, 'positions' | 'notes'>): EditorDoc {
  return {
    ...doc,
    steps: doc.steps.map((s) => (merged.positions[s.id] ? { ...s, position: { ...merged.positions[s.id] } } : s)),
    notes: merged.notes,
  };
}

/** What the toast says after a merged save. */
export function mergedMessage(merge: LayoutMerge): string {
  const clashes = [...merge.clashingSteps.map((id) => `step ${id}`), ...merge.clashingNotes.map((id) => `note ${id}`)];
  const base = 'Someone else moved steps meanwhile: their moves are kept, and yours.';
  return clashes.length
    ? `${base} You both moved ${clashes.slice(0, 5).join(', ')}${clashes.length > 5 ? ` and ${clashes.length - 5} more` : ''}: yours are kept.`
    : base;
}

export interface LayoutSave {
  saved: Campaign;
  /** The document that was saved: yours, or yours with the other editor's moves merged in. */
  sent: EditorDoc;
  /** Set when the first save was stale and the merged layout was saved instead. */
  merge: LayoutMerge | null;
}

/**
 * Save `doc` onto `campaign` naming the layout revision it was loaded at; when the server answers that
 * someone else changed the layout meanwhile, merge (`mergeLayouts`) and save once more on their revision.
 * Any other fault (a second conflict too) is thrown as it came.
 */
export async function saveMergingLayout(
  send: (body: Record<string, unknown>) => Promise<Campaign>,
  doc: EditorDoc,
  campaign: Campaign,
  body: Record<string, unknown>,
  isConflict: (err: unknown) => unknown,
): Promise<LayoutSave> {
  try {
    return { saved: await send({ ...body, layout_revision: campaign.layout_revision }), sent: doc, merge: null };
  } catch (err) {
    const theirs = layoutConflictOf(isConflict(err));
    if (!theirs) throw err;
    const merge = mergeLayouts(campaignLayout(campaign), docLayout(doc), theirs.layout);
    const sent = docWithLayout(doc, merge);
    const { graph, layout } = docToDefinition(sent);
    const saved = await send({ ...body, graph, layout, layout_revision: theirs.revision });
    return { saved, sent, merge };
  }
}
