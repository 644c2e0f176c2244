// Edges that name blocks, as the server reads them (campaigns_app/graph/blocks.py):
// an edge from a block leaves from each of its sink steps, an edge to a block
// enters each of its source steps (sources and sinks judged by the edges inside
// the block). No React.
import type { GraphEdge } from '../../lib/types';
import type { EditorDoc } from './doc';

function ancestors(block: string | null | undefined, parents: Map<string, string | null>): string[] {
  const chain: string[] = [];
  const seen = new Set<string>();
  while (block != null && !seen.has(block)) {
    seen.add(block);
    chain.push(block);
    block = parents.get(block) ?? null;
  }
  return chain;
}

/** Each block's steps, nested blocks included. */
export function blockMemberSets(doc: EditorDoc): Map<string, Set<string>> {
  const parents = new Map(doc.blocks.map((b) => [b.id, b.parent ?? null]));
  const members = new Map(doc.blocks.map((b) => [b.id, new Set<string>()]));
  for (const s of doc.steps) {
    for (const b of ancestors(s.block, parents)) members.get(b)?.add(s.id);
  }
  return members;
}

/** Plain step → step edges of the document. */
export function expandEdges(doc: EditorDoc, edges: readonly GraphEdge[] = doc.edges): [string, string][] {
  const parents = new Map(doc.blocks.map((b) => [b.id, b.parent ?? null]));
  const stepBlock = new Map(doc.steps.map((s) => [s.id, s.block ?? null]));
  const members = blockMemberSets(doc);
  const containers = (node: string) => ancestors(parents.has(node) ? parents.get(node) : stepBlock.get(node), parents);
  const commonDepth = (a: string, b: string) => {
    const mine = new Set(containers(a));
    return Math.max(
      0,
      ...containers(b)
        .filter((x) => mine.has(x))
        .map((x) => ancestors(x, parents).length),
    );
  };
  const out: [string, string][] = [];
  const seen = new Set<string>();
  const sorted = [...edges].sort((x, y) => commonDepth(y.source, y.target) - commonDepth(x.source, x.target));
  for (const e of sorted) {
    const ends: string[][] = [];
    for (const [end, pick] of [
      [e.source, 'sinks'],
      [e.target, 'sources'],
    ] as const) {
      const inside = members.get(end);
      if (!inside) {
        ends.push([end]);
        continue;
      }
      const internal = out.filter(([a, b]) => inside.has(a) && inside.has(b));
      ends.push(
        [...inside]
          .filter((s) => (pick === 'sinks' ? !internal.some(([a]) => a === s) : !internal.some(([, b]) => b === s)))
          .sort(),
      );
    }
    for (const a of ends[0]) {
      for (const b of ends[1]) {
        const key = `${a}->${b}`;
        if (a !== b && !seen.has(key)) {
          seen.add(key);
          out.push([a, b]);
        }
      }
    }
  }
  return out;
}

/** A cycle among step edges (as a closed path), or null. */
export function findCycle(ids: readonly string[], edges: readonly [string, string][]): string[] | null {
  const next = new Map<string, string[]>();
  for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
  const state = new Map<string, number>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 1);
    stack.push(id);
    for (const t of next.get(id) ?? []) {
      if (state.get(t) === 1) return [...stack.slice(stack.indexOf(t)), t];
      if (!state.get(t)) {
        const found = visit(t);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 2);
    return null;
  };
  for (const id of ids) {
    if (!state.get(id)) {
      const found = visit(id);
      if (found) return found;
    }
  }
  return null;
}
