// React Flow nodes and edges derived from the editor document. No React components.
import { MarkerType, type Edge, type Node } from '@xyflow/react';
import type { GraphStep } from '../../lib/types';
import { edgeKey, NODE_HEIGHT, NODE_WIDTH, type EditorDoc } from '../lib/doc';
import { blockBoxes, type Box } from '../lib/layout';
import { blockDepths } from '../lib/ops';
import type { CanvasErrors } from '../lib/serverErrors';
import type { NoteNodeType } from '../notes/NoteNode';

export type StepNodeData = { step: GraphStep; errors: string[]; unknownFunction: boolean };
export type BlockNodeData = { blockId: string; name: string; depth: number; errors: string[] };
export type StepNodeType = Node<StepNodeData, 'step'>;
export type BlockNodeType = Node<BlockNodeData, 'block'>;
export type EditorNode = StepNodeType | BlockNodeType | NoteNodeType;

export const BLOCK_PREFIX = 'block:';
export const isBlockNode = (id: string) => id.startsWith(BLOCK_PREFIX);
export const blockIdOf = (nodeId: string) => nodeId.slice(BLOCK_PREFIX.length);
export const NOTE_PREFIX = 'note:';
export const isNoteNode = (id: string) => id.startsWith(NOTE_PREFIX);
export const noteIdOf = (nodeId: string) => nodeId.slice(NOTE_PREFIX.length);

/** The sticky notes as nodes, under the steps; an unchanged note keeps its node (no re-render). */
export function noteNodes(
  doc: EditorDoc,
  previous: ReadonlyMap<string, EditorNode>,
  selected: (id: string) => boolean,
  zIndex: number,
): NoteNodeType[] {
  return doc.notes.map((note) => {
    const id = NOTE_PREFIX + note.id;
    const old = previous.get(id) as NoteNodeType | undefined;
    const isSelected = selected(id);
    if (old && old.data.note === note && !!old.selected === isSelected && old.zIndex === zIndex) return old;
    return {
      id,
      type: 'note' as const,
      ...placed(note),
      zIndex,
      selected: isSelected,
      measured: old?.measured,
      data: { note },
    };
  });
}

/** A sized node's place and size, as React Flow takes them (its size also as style, before it measures). */
function placed(r: { x: number; y: number; width: number; height: number }) {
  return {
    position: { x: r.x, y: r.y },
    width: r.width,
    height: r.height,
    style: { width: r.width, height: r.height },
  };
}

/** Where a step sits when it has no position yet (imports without positions). */
export function fallbackPosition(index: number) {
  return { x: (index % 8) * (NODE_WIDTH + 60), y: Math.floor(index / 8) * (NODE_HEIGHT + 50) };
}

export function blockNodes(doc: EditorDoc, boxes: Record<string, Box>, selected: ReadonlySet<string>): BlockNodeType[] {
  const depths = blockDepths(doc);
  return doc.blocks
    .filter((b) => boxes[b.id])
    .map((b) => {
      const box = boxes[b.id];
      const id = BLOCK_PREFIX + b.id;
      return {
        id,
        type: 'block' as const,
        ...placed(box),
        zIndex: depths[b.id] ?? 0,
        selected: selected.has(id),
        data: { blockId: b.id, name: b.name, depth: depths[b.id] ?? 0, errors: [] },
      };
    });
}

/**
 * All nodes for the document. `previous` carries React Flow's measurements
 * and the selection over, so a rebuild after an edit does not flicker.
 */
export function buildNodes(
  doc: EditorDoc,
  errors: CanvasErrors,
  functions: ReadonlySet<string>,
  previous: ReadonlyMap<string, EditorNode>,
  select: ReadonlySet<string> | null,
): EditorNode[] {
  const selected = (id: string) => (select ? select.has(id) : !!previous.get(id)?.selected);
  const positions: Record<string, { x: number; y: number }> = {};
  doc.steps.forEach((s, i) => {
    positions[s.id] = s.position ?? fallbackPosition(i);
  });
  const boxes = blockBoxes(doc, positions);
  const selectedBlocks = new Set(doc.blocks.map((b) => BLOCK_PREFIX + b.id).filter(selected));
  const blocks = blockNodes(doc, boxes, selectedBlocks).map((n) => ({ ...n, measured: previous.get(n.id)?.measured }));
  const topZ = Math.max(0, ...blocks.map((b) => b.zIndex ?? 0)) + 1;
  const steps: StepNodeType[] = doc.steps.map((s) => {
    const old = previous.get(s.id) as StepNodeType | undefined;
    const errs = errors.steps[s.id] ?? [];
    const unknownFunction = s.kind === 'function' && functions.size > 0 && !functions.has(s.function ?? '');
    const position = positions[s.id];
    const isSelected = selected(s.id);
    if (
      old &&
      old.data.step === s &&
      old.data.errors === errs &&
      old.data.unknownFunction === unknownFunction &&
      !!old.selected === isSelected &&
      old.position.x === position.x &&
      old.position.y === position.y &&
      old.zIndex === topZ
    ) {
      return old;
    }
    return {
      id: s.id,
      type: 'step',
      position,
      selected: isSelected,
      zIndex: topZ,
      measured: old?.measured,
      data: { step: s, errors: errs, unknownFunction },
    };
  });
  return [...blocks, ...noteNodes(doc, previous, selected, topZ), ...steps];
}

export function buildEdges(doc: EditorDoc, errors: CanvasErrors, previous: ReadonlyMap<string, Edge>): Edge[] {
  const blocks = new Set(doc.blocks.map((b) => b.id));
  const nodeOf = (end: string) => (blocks.has(end) ? BLOCK_PREFIX + end : end);
  return doc.edges.map((e) => {
    const id = edgeKey(e);
    const errs = errors.edges[id];
    const old = previous.get(id);
    const className = errs ? 'edge-error' : undefined;
    if (old && old.className === className) return old;
    return {
      id,
      source: nodeOf(e.source),
      target: nodeOf(e.target),
      className,
      selected: old?.selected,
      zIndex: 1000,
      label: errs ? `⚠ ${errs[0].length > 48 ? `${errs[0].slice(0, 47)}…` : errs[0]}` : undefined,
      labelStyle: errs ? { fill: 'var(--danger)', fontSize: 11 } : undefined,
      data: { errors: errs ?? [] },
      markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
    };
  });
}

/** The innermost block whose box holds `point`, ignoring `exclude` step ids when sizing boxes. */
export function blockAt(
  doc: EditorDoc,
  point: { x: number; y: number },
  positions: Record<string, { x: number; y: number }>,
  exclude: ReadonlySet<string>,
): string | null {
  const rest = { ...doc, steps: doc.steps.filter((s) => !exclude.has(s.id)) };
  const boxes = blockBoxes(rest, positions);
  const depths = blockDepths(doc);
  let best: string | null = null;
  for (const [id, b] of Object.entries(boxes)) {
    if (point.x >= b.x && point.x <= b.x + b.width && point.y >= b.y && point.y <= b.y + b.height) {
      if (best == null || (depths[id] ?? 0) > (depths[best] ?? 0)) best = id;
    }
  }
  return best;
}

/**
 * After steps were dragged to `moved` positions: a step dropped inside a
 * block's box joins that block; one dragged out of its block's box leaves it.
 */
export function dropIntoBlocks(doc: EditorDoc, moved: Record<string, { x: number; y: number }>): EditorDoc {
  if (!doc.blocks.length) return doc;
  const dragged = new Set(Object.keys(moved));
  const positions: Record<string, { x: number; y: number }> = {};
  doc.steps.forEach((s, i) => {
    positions[s.id] = s.position ?? fallbackPosition(i);
  });
  const oldBoxes = blockBoxes(doc, positions);
  const depths = blockDepths(doc);
  let changed = false;
  const steps = doc.steps.map((s) => {
    const p = moved[s.id];
    if (!p) return s;
    const centre = { x: p.x + NODE_WIDTH / 2, y: p.y + NODE_HEIGHT / 2 };
    const target = blockAt(doc, centre, positions, dragged);
    const current = s.block ?? null;
    const box = current ? oldBoxes[current] : null;
    const stillInside =
      !!box &&
      centre.x >= box.x &&
      centre.x <= box.x + box.width &&
      centre.y >= box.y &&
      centre.y <= box.y + box.height;
    if (stillInside && (target == null || (depths[target] ?? 0) <= (depths[current!] ?? 0))) return s;
    if ((target ?? null) === current) return s;
    changed = true;
    return { ...s, block: target };
  });
  return changed ? { ...doc, steps } : doc;
}
