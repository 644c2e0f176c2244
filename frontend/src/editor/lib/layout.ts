// Auto-layout (dagre, left to right, blocks as clusters so they stay
// together) and block boxes drawn around their steps. No React.
import dagre from '@dagrejs/dagre';
import { expandEdges } from './blockEdges';
import { NODE_HEIGHT, NODE_WIDTH, type EditorDoc } from './doc';

export const BLOCK_PADDING = 20;
export const BLOCK_HEADER = 26;

/** New positions (top-left corners) for every step. */
export function autoLayout(doc: EditorDoc): Record<string, { x: number; y: number }> {
  const g = new dagre.graphlib.Graph({ compound: true, multigraph: false });
  g.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: 70, marginx: 20, marginy: 20 });
  g.setDefaultEdgeLabel(() => ({}));
  const blockIds = new Set(doc.blocks.map((b) => b.id));
  for (const b of doc.blocks) g.setNode(`block:${b.id}`, { label: b.name, paddingTop: BLOCK_HEADER });
  for (const b of doc.blocks) {
    if (b.parent && blockIds.has(b.parent)) g.setParent(`block:${b.id}`, `block:${b.parent}`);
  }
  for (const s of doc.steps) {
    g.setNode(s.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
    if (s.block && blockIds.has(s.block)) g.setParent(s.id, `block:${s.block}`);
  }
  // dagre cannot route edges to clusters: lay out the step edges that block edges stand for.
  for (const [source, target] of expandEdges(doc)) {
    if (g.hasNode(source) && g.hasNode(target)) g.setEdge(source, target);
  }
  dagre.layout(g);
  const out: Record<string, { x: number; y: number }> = {};
  for (const s of doc.steps) {
    const n = g.node(s.id);
    out[s.id] = { x: Math.round(n.x - NODE_WIDTH / 2), y: Math.round(n.y - NODE_HEIGHT / 2) };
  }
  return out;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The rectangle of each block: around its steps and nested blocks, with a
 * header strip for the name. `positions` overrides step positions (a drag in progress).
 */
export function blockBoxes(
  doc: EditorDoc,
  positions: Record<string, { x: number; y: number }> = {},
): Record<string, Box> {
  const children = new Map<string, string[]>();
  for (const b of doc.blocks) {
    if (b.parent) children.set(b.parent, [...(children.get(b.parent) ?? []), b.id]);
  }
  const stepsIn = new Map<string, { x: number; y: number }[]>();
  for (const s of doc.steps) {
    if (!s.block) continue;
    const p = positions[s.id] ?? s.position ?? { x: 0, y: 0 };
    stepsIn.set(s.block, [...(stepsIn.get(s.block) ?? []), p]);
  }
  const out: Record<string, Box> = {};
  const visiting = new Set<string>();
  const boxOf = (id: string): Box | null => {
    if (id in out) return out[id];
    if (visiting.has(id)) return null;
    visiting.add(id);
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const p of stepsIn.get(id) ?? []) {
      minX = Math.min(minX, p.x);
      minY = Math.min(minY, p.y);
      maxX = Math.max(maxX, p.x + NODE_WIDTH);
      maxY = Math.max(maxY, p.y + NODE_HEIGHT);
    }
    for (const child of children.get(id) ?? []) {
      const b = boxOf(child);
      if (!b) continue;
      minX = Math.min(minX, b.x);
      minY = Math.min(minY, b.y);
      maxX = Math.max(maxX, b.x + b.width);
      maxY = Math.max(maxY, b.y + b.height);
    }
    visiting.delete(id);
    if (!Number.isFinite(minX)) return null;
    const box = {
      x: minX - BLOCK_PADDING,
      y: minY - BLOCK_PADDING - BLOCK_HEADER,
      width: maxX - minX + 2 * BLOCK_PADDING,
      height: maxY - minY + 2 * BLOCK_PADDING + BLOCK_HEADER,
    };
    out[id] = box;
    return box;
  };
  for (const b of doc.blocks) boxOf(b.id);
  return out;
}

/**
 * ``want`` if no step sits there, else the nearest free place below it (then in the next column), so
 * steps added one after another from the palette never hide each other.
 */
export function freePosition(doc: EditorDoc, want: { x: number; y: number }): { x: number; y: number } {
  const boxes = doc.steps.filter((s) => s.position).map((s) => s.position as { x: number; y: number });
  const taken = (p: { x: number; y: number }) =>
    boxes.some((b) => Math.abs(b.x - p.x) < NODE_WIDTH + 10 && Math.abs(b.y - p.y) < NODE_HEIGHT + 10);
  for (let column = 0; column < 50; column++) {
    for (let row = 0; row < 6; row++) {
      const p = { x: want.x + column * (NODE_WIDTH + 40), y: want.y + row * (NODE_HEIGHT + 30) };
      if (!taken(p)) return p;
    }
  }
  return want;
}
