// Copy and paste of steps, within a campaign and between campaigns (the
// system clipboard carries JSON). Pasted ids are remapped so they never
// collide, and placeholders that name pasted steps follow them. No React.
import type { GraphBlock, GraphEdge, GraphStep } from '../../lib/types';
import { uniqueId, type EditorDoc } from './doc';
import { remapPlaceholders } from './ops';

export const CLIPBOARD_FORMAT = 'asyncflow-steps';

export interface ClipboardPayload {
  format: typeof CLIPBOARD_FORMAT;
  version: 1;
  steps: GraphStep[];
  edges: GraphEdge[];
  blocks: GraphBlock[];
}

/** The selected steps, the edges between them, and the blocks they sit in (with their ancestors). */
export function copySelection(doc: EditorDoc, stepIds: Iterable<string>): ClipboardPayload | null {
  const chosen = new Set(stepIds);
  const steps = doc.steps.filter((s) => chosen.has(s.id));
  if (!steps.length) return null;
  const byId = new Map(doc.blocks.map((b) => [b.id, b]));
  const blockIds = new Set<string>();
  for (const s of steps) {
    let b = s.block ?? null;
    while (b && byId.has(b) && !blockIds.has(b)) {
      blockIds.add(b);
      b = byId.get(b)!.parent ?? null;
    }
  }
  const ends = new Set([...chosen, ...blockIds]);
  const edges = doc.edges.filter((e) => ends.has(e.source) && ends.has(e.target));
  return {
    format: CLIPBOARD_FORMAT,
    version: 1,
    steps: structuredClone(steps),
    edges: edges.map((e) => ({ ...e })),
    blocks: doc.blocks.filter((b) => blockIds.has(b.id)).map((b) => ({ ...b })),
  };
}

export function serializeClipboard(payload: ClipboardPayload): string {
  return JSON.stringify(payload);
}

/** The payload in clipboard text, or null when the text is something else. */
export function parseClipboard(text: string | null | undefined): ClipboardPayload | null {
  if (!text) return null;
  try {
    const data = JSON.parse(text);
    if (data?.format !== CLIPBOARD_FORMAT || !Array.isArray(data.steps)) return null;
    return {
      format: CLIPBOARD_FORMAT,
      version: 1,
      steps: data.steps.filter((s: GraphStep) => s && typeof s.id === 'string'),
      edges: Array.isArray(data.edges) ? data.edges : [],
      blocks: Array.isArray(data.blocks) ? data.blocks : [],
    };
  } catch {
    return null;
  }
}

/** ``name`` if no step has it yet, else ``name copy``, ``name copy 2``, … */
export function copyName(name: string, taken: ReadonlySet<string>): string {
  if (!taken.has(name)) return name;
  const stem = name.replace(/ copy( \d+)?$/, '');
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? `${stem} copy` : `${stem} copy ${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export interface PasteResult {
  doc: EditorDoc;
  /** Ids of the pasted steps in `doc`. */
  stepIds: string[];
  /** old step id → new step id. */
  idMap: Record<string, string>;
}

/**
 * Add the payload's steps to `doc`, with fresh ids wherever the old ones are
 * taken, shifted by `offset` (or placed so their top-left corner is `at`).
 */
export function pastePayload(
  doc: EditorDoc,
  payload: ClipboardPayload,
  placement: { offset?: { x: number; y: number }; at?: { x: number; y: number } } = {},
): PasteResult {
  const taken = new Set(doc.steps.map((s) => s.id));
  const idMap: Record<string, string> = {};
  for (const s of payload.steps) {
    const id = uniqueId(s.id, taken);
    taken.add(id);
    idMap[s.id] = id;
  }
  const takenBlocks = new Set(doc.blocks.map((b) => b.id));
  const blockMap: Record<string, string> = {};
  for (const b of payload.blocks) {
    const id = uniqueId(b.id, takenBlocks);
    takenBlocks.add(id);
    blockMap[b.id] = id;
  }
  const xs = payload.steps.map((s) => s.position?.x ?? 0);
  const ys = payload.steps.map((s) => s.position?.y ?? 0);
  const minX = Math.min(...xs);
  const minY = Math.min(...ys);
  const shift = placement.at
    ? { x: placement.at.x - minX, y: placement.at.y - minY }
    : (placement.offset ?? { x: 40, y: 40 });

  const takenNames = new Set(doc.steps.map((s) => s.name));
  const steps = payload.steps.map((s) => {
    const moved = remapPlaceholders(structuredClone(s), idMap);
    moved.id = idMap[s.id];
    if (!s.name || s.name === s.id) moved.name = moved.id;
    else moved.name = copyName(s.name, takenNames);
    takenNames.add(moved.name);
    moved.position = { x: (s.position?.x ?? 0) + shift.x, y: (s.position?.y ?? 0) + shift.y };
    moved.block = s.block && blockMap[s.block] ? blockMap[s.block] : null;
    return moved;
  });
  const endMap: Record<string, string> = { ...blockMap, ...idMap };
  const edges = payload.edges
    .filter((e) => e.source in endMap && e.target in endMap)
    .map((e) => ({ source: endMap[e.source], target: endMap[e.target] }));
  const blocks = payload.blocks.map((b) => ({
    id: blockMap[b.id],
    name: b.name,
    parent: b.parent && blockMap[b.parent] ? blockMap[b.parent] : null,
  }));
  return {
    doc: {
      ...doc,
      steps: [...doc.steps, ...steps],
      edges: [...doc.edges, ...edges],
      blocks: [...doc.blocks, ...blocks],
    },
    stepIds: steps.map((s) => s.id),
    idMap,
  };
}
