// Left-to-right layout of a campaign graph by topological depth. No React.
import type { Graph } from './types';

export const COLUMN_WIDTH = 230;
export const ROW_HEIGHT = 90;

export interface LaidOutStep {
  id: string;
  name: string;
  depth: number;
  x: number;
  y: number;
}

/**
 * Depth of each step = length of the longest path from a root (a step with no
 * incoming edge). Edges naming unknown steps are ignored; steps caught in a
 * cycle are placed one column after the deepest acyclic step.
 */
export function stepDepths(graph: Graph): Record<string, number> {
  const ids = graph.steps.map((s) => s.id);
  const known = new Set(ids);
  const incoming: Record<string, number> = {};
  const outgoing: Record<string, string[]> = {};
  for (const id of ids) {
    incoming[id] = 0;
    outgoing[id] = [];
  }
  for (const e of graph.edges ?? []) {
    if (!known.has(e.source) || !known.has(e.target) || e.source === e.target) continue;
    incoming[e.target] += 1;
    outgoing[e.source].push(e.target);
  }

  const depth: Record<string, number> = {};
  const queue = ids.filter((id) => incoming[id] === 0);
  for (const id of queue) depth[id] = 0;
  const remaining = { ...incoming };
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const t of outgoing[id]) {
      depth[t] = Math.max(depth[t] ?? 0, depth[id] + 1);
      remaining[t] -= 1;
      if (remaining[t] === 0) queue.push(t);
    }
  }
  const maxDepth = Math.max(-1, ...Object.values(depth));
  for (const id of ids) {
    if (!(id in depth) || remaining[id] > 0) depth[id] = maxDepth + 1;
  }
  return depth;
}

/**
 * Positions for each step: `step.position` when the campaign has one,
 * otherwise column = depth, row = order of appearance within that column.
 */
export function layoutGraph(graph: Graph): LaidOutStep[] {
  const depths = stepDepths(graph);
  const rowsUsed: Record<number, number> = {};
  const columns: Record<number, number> = {};
  for (const s of graph.steps) columns[depths[s.id]] = (columns[depths[s.id]] ?? 0) + 1;
  const tallest = Math.max(1, ...Object.values(columns));

  return graph.steps.map((s) => {
    const d = depths[s.id] ?? 0;
    const row = rowsUsed[d] ?? 0;
    rowsUsed[d] = row + 1;
    const pos = s.position;
    const hasPos = pos != null && Number.isFinite(Number(pos.x)) && Number.isFinite(Number(pos.y));
    // Centre shorter columns vertically against the tallest one.
    const offset = ((tallest - (columns[d] ?? 1)) * ROW_HEIGHT) / 2;
    return {
      id: s.id,
      name: s.name || s.id,
      depth: d,
      x: hasPos ? Number(pos.x) : d * COLUMN_WIDTH,
      y: hasPos ? Number(pos.y) : offset + row * ROW_HEIGHT,
    };
  });
}

export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/**
 * A viewport at `zoom` whose top-left corner shows the first column's first step, `padding` px from the
 * edges: where a reader starts a graph too large to fit at a readable zoom.
 */
export function topLeftViewport(layout: readonly LaidOutStep[], zoom: number, padding: number): Viewport {
  if (layout.length === 0) return { x: 0, y: 0, zoom };
  const left = Math.min(...layout.map((s) => s.x));
  const firstColumn = layout.filter((s) => s.x < left + COLUMN_WIDTH / 2);
  const top = Math.min(...firstColumn.map((s) => s.y));
  return { x: padding - left * zoom, y: padding - top * zoom, zoom };
}
