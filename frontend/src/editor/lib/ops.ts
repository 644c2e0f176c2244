// Edits of the editor document. Each returns a new document (or the same one
// when nothing changes), so every edit can go on the undo stack. No React.
import type { GraphBlock, GraphStep } from '../../lib/types';
import { blockMemberSets, expandEdges, findCycle } from './blockEdges';
import { connectionCycle } from './cycle';
import { edgeKey, uniqueId, type EditorDoc } from './doc';

export interface NewStepSpec {
  kind: 'function' | 'executable' | 'workflow';
  /** A workflow step's campaign (its parameters start from their defaults). */
  campaign?: { id: number; name: string; parameters: { name: string; default?: unknown }[] };
  function?: string;
  /** Defaults from the function's JSON schema. */
  kwargs?: Record<string, unknown>;
  position: { x: number; y: number };
  name?: string;
}

export function takenIds(doc: EditorDoc): Set<string> {
  return new Set(doc.steps.map((s) => s.id));
}

export function addStep(doc: EditorDoc, spec: NewStepSpec): { doc: EditorDoc; id: string } {
  const base = spec.kind === 'function' ? spec.function || 'step' : spec.kind === 'workflow' ? 'wf' : 'exec';
  const id = uniqueId(base, takenIds(doc));
  let step: GraphStep;
  if (spec.kind === 'workflow' && spec.campaign) {
    const parameters: Record<string, unknown> = {};
    for (const p of spec.campaign.parameters)
      if (p.default !== undefined && p.default !== null) parameters[p.name] = p.default;
    step = { id, name: spec.name ?? spec.campaign.name, kind: 'workflow', campaign: spec.campaign.id, parameters };
  } else if (spec.kind === 'function') {
    step = { id, name: spec.name ?? id, kind: 'function', function: spec.function, kwargs: { ...(spec.kwargs ?? {}) } };
  } else {
    step = { id, name: spec.name ?? id, kind: 'executable', argv: ['echo', 'hello'], env: {} };
  }
  step.position = { ...spec.position };
  return { doc: { ...doc, steps: [...doc.steps, step] }, id };
}

export type ConnectResult = { doc: EditorDoc; error?: undefined } | { doc: EditorDoc; error: string; cycle?: string[] };

/** Add source → target (steps or blocks), refusing duplicates and anything that would close a cycle. */
export function connect(doc: EditorDoc, source: string, target: string): ConnectResult {
  const steps = takenIds(doc);
  const blocks = new Set(doc.blocks.map((b) => b.id));
  const known = (id: string) => steps.has(id) || blocks.has(id);
  if (!known(source) || !known(target)) return { doc, error: 'Both ends of a connection must be steps or blocks.' };
  if (doc.edges.some((e) => e.source === source && e.target === target)) {
    return { doc, error: `${source} → ${target} is already connected.` };
  }
  const names = new Map<string, string>([
    ...doc.steps.map((s) => [s.id, s.name || s.id] as [string, string]),
    ...doc.blocks.map((b) => [b.id, b.name || b.id] as [string, string]),
  ]);
  const named = (path: string[]) => path.map((id) => names.get(id) ?? id).join(' → ');
  if (source === target)
    return { doc, cycle: [source, source], error: `A step cannot depend on itself (${named([source, source])}).` };
  const usesBlocks =
    blocks.has(source) || blocks.has(target) || doc.edges.some((e) => blocks.has(e.source) || blocks.has(e.target));
  let cycle: string[] | null;
  if (usesBlocks) {
    const edge = { source, target };
    cycle = findCycle([...steps], expandEdges(doc, [...doc.edges, edge]));
    if (!cycle && blocks.has(source) && blocks.has(target)) {
      const inner = (outer: string, b: string) => {
        let p = doc.blocks.find((x) => x.id === b)?.parent ?? null;
        while (p) {
          if (p === outer) return true;
          p = doc.blocks.find((x) => x.id === p)?.parent ?? null;
        }
        return false;
      };
      if (inner(source, target) || inner(target, source))
        return { doc, error: 'A block cannot connect to a block nested in it.' };
    }
  } else {
    cycle = connectionCycle(doc.edges, source, target);
  }
  if (cycle) return { doc, cycle, error: `Refused: that would make a cycle ${named(cycle)}.` };
  return { doc: { ...doc, edges: [...doc.edges, { source, target }] } };
}

/** Delete steps (with their edges), edges by key, and blocks (their steps are kept, moved to the parent block). */
export function removeElements(
  doc: EditorDoc,
  stepIds: Iterable<string>,
  edgeKeys: Iterable<string> = [],
  blockIds: Iterable<string> = [],
): EditorDoc {
  const steps = new Set(stepIds);
  const edges = new Set(edgeKeys);
  let next = doc;
  for (const b of blockIds) next = ungroup(next, b);
  if (!steps.size && !edges.size) return next;
  const keptSteps = next.steps.filter((s) => !steps.has(s.id));
  const keptEdges = next.edges.filter((e) => !steps.has(e.source) && !steps.has(e.target) && !edges.has(edgeKey(e)));
  if (keptSteps.length === next.steps.length && keptEdges.length === next.edges.length) return next;
  return pruneEmptyBlocks({ ...next, steps: keptSteps, edges: keptEdges });
}

/** Blocks with no step inside them (directly or through a nested block) go away. */
export function pruneEmptyBlocks(doc: EditorDoc): EditorDoc {
  if (!doc.blocks.length) return doc;
  const used = new Set<string>();
  const parents = new Map(doc.blocks.map((b) => [b.id, b.parent ?? null]));
  for (const s of doc.steps) {
    let b = s.block ?? null;
    while (b && !used.has(b)) {
      used.add(b);
      b = parents.get(b) ?? null;
    }
  }
  const blocks = doc.blocks.filter((b) => used.has(b.id));
  if (blocks.length === doc.blocks.length) return doc;
  const gone = new Set(doc.blocks.filter((b) => !used.has(b.id)).map((b) => b.id));
  return { ...doc, blocks, edges: doc.edges.filter((e) => !gone.has(e.source) && !gone.has(e.target)) };
}

export function moveSteps(doc: EditorDoc, positions: Record<string, { x: number; y: number }>): EditorDoc {
  let changed = false;
  const steps = doc.steps.map((s) => {
    const p = positions[s.id];
    if (!p || (s.position && s.position.x === p.x && s.position.y === p.y)) return s;
    changed = true;
    return { ...s, position: { x: p.x, y: p.y } };
  });
  return changed ? { ...doc, steps } : doc;
}

export function updateStep(doc: EditorDoc, id: string, patch: Partial<GraphStep>): EditorDoc {
  const index = doc.steps.findIndex((s) => s.id === id);
  if (index < 0) return doc;
  const steps = doc.steps.slice();
  steps[index] = { ...steps[index], ...patch };
  return { ...doc, steps };
}

/** Rename a step id everywhere it is named: edges and `{{ steps.<id>.… }}` placeholders. */
export function renameStep(doc: EditorDoc, from: string, to: string): EditorDoc {
  if (from === to || doc.steps.some((s) => s.id === to)) return doc;
  const rename = (id: string) => (id === from ? to : id);
  return {
    ...doc,
    steps: doc.steps.map((s) => remapPlaceholders({ ...s, id: rename(s.id) }, { [from]: to })),
    edges: doc.edges.map((e) => ({ source: rename(e.source), target: rename(e.target) })),
  };
}

const STEP_REF = /(\{\{\s*steps\.)([A-Za-z_][A-Za-z0-9_-]*)/g;

function remapValue(value: unknown, map: Record<string, string>): unknown {
  if (typeof value === 'string') return value.replace(STEP_REF, (m, head, id) => (id in map ? head + map[id] : m));
  if (Array.isArray(value)) return value.map((v) => remapValue(v, map));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, remapValue(v, map)]));
  }
  return value;
}

/** Rewrite `{{ steps.old… }}` to the new ids in a step's kwargs, argv and env. */
export function remapPlaceholders(step: GraphStep, map: Record<string, string>): GraphStep {
  const out = { ...step };
  if (step.kwargs) out.kwargs = remapValue(step.kwargs, map) as Record<string, unknown>;
  if (step.argv) out.argv = remapValue(step.argv, map) as string[];
  if (step.env) out.env = remapValue(step.env, map) as Record<string, string>;
  return out;
}

/** Put steps into a new block; its parent is the block they all shared (nesting). */
export function group(
  doc: EditorDoc,
  stepIds: readonly string[],
  name?: string,
): { doc: EditorDoc; id: string | null } {
  const members = doc.steps.filter((s) => stepIds.includes(s.id));
  if (!members.length) return { doc, id: null };
  const shared = new Set(members.map((s) => s.block ?? null));
  const parent = shared.size === 1 ? [...shared][0] : null;
  const id = uniqueId('block', new Set(doc.blocks.map((b) => b.id)));
  const block: GraphBlock = { id, name: name ?? `Block ${doc.blocks.length + 1}`, parent };
  const inside = new Set(members.map((s) => s.id));
  return {
    doc: {
      ...doc,
      blocks: [...doc.blocks, block],
      steps: doc.steps.map((s) => (inside.has(s.id) ? { ...s, block: id } : s)),
    },
    id,
  };
}

/** Edges naming a block, rewritten to the block's source and sink steps (the dependencies they meant). */
function edgesWithoutBlock(doc: EditorDoc, blockId: string) {
  const members = blockMemberSets(doc).get(blockId) ?? new Set<string>();
  const internal = expandEdges(doc).filter(([a, b]) => members.has(a) && members.has(b));
  const sinks = [...members].filter((m) => !internal.some(([a]) => a === m));
  const sources = [...members].filter((m) => !internal.some(([, b]) => b === m));
  const out: { source: string; target: string }[] = [];
  const seen = new Set<string>();
  const add = (source: string, target: string) => {
    const key = `${source}->${target}`;
    if (source !== target && !seen.has(key)) {
      seen.add(key);
      out.push({ source, target });
    }
  };
  for (const e of doc.edges) {
    if (e.source === blockId) sinks.forEach((s) => add(s, e.target));
    else if (e.target === blockId) sources.forEach((t) => add(e.source, t));
    else add(e.source, e.target);
  }
  return out;
}

/** Dissolve a block: its steps and child blocks move up to its parent; edges naming it go to its steps. */
export function ungroup(doc: EditorDoc, blockId: string): EditorDoc {
  const block = doc.blocks.find((b) => b.id === blockId);
  if (!block) return doc;
  const parent = block.parent ?? null;
  const edges = edgesWithoutBlock(doc, blockId);
  return {
    ...doc,
    blocks: doc.blocks.filter((b) => b.id !== blockId).map((b) => (b.parent === blockId ? { ...b, parent } : b)),
    steps: doc.steps.map((s) => (s.block === blockId ? { ...s, block: parent } : s)),
    edges,
  };
}

export function renameBlock(doc: EditorDoc, blockId: string, name: string): EditorDoc {
  return { ...doc, blocks: doc.blocks.map((b) => (b.id === blockId ? { ...b, name } : b)) };
}

/** Steps inside a block, directly or through nested blocks. */
export function blockMembers(doc: EditorDoc, blockId: string): string[] {
  const within = new Set([blockId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const b of doc.blocks) {
      if (b.parent && within.has(b.parent) && !within.has(b.id)) {
        within.add(b.id);
        grew = true;
      }
    }
  }
  return doc.steps.filter((s) => s.block && within.has(s.block)).map((s) => s.id);
}

/** Depth of nesting of each block (0 for top-level). */
export function blockDepths(doc: EditorDoc): Record<string, number> {
  const parents = new Map(doc.blocks.map((b) => [b.id, b.parent ?? null]));
  const out: Record<string, number> = {};
  for (const b of doc.blocks) {
    let d = 0;
    let p = b.parent ?? null;
    const seen = new Set<string>();
    while (p && parents.has(p) && !seen.has(p)) {
      seen.add(p);
      d += 1;
      p = parents.get(p) ?? null;
    }
    out[b.id] = d;
  }
  return out;
}
