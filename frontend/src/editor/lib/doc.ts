// The editor's document: a campaign definition being edited, and its
// conversion to and from the API's JSON. No React.
import type { Campaign, CampaignParameter, GraphBlock, GraphEdge, GraphStep } from '../../lib/types';
import type { StickyNote } from './notes';

export interface EditorDoc {
  name: string;
  description: string;
  parameters: CampaignParameter[];
  steps: GraphStep[];
  edges: GraphEdge[];
  blocks: GraphBlock[];
  /** Sticky notes: saved with the layout, so editing them makes no new version. */
  notes: StickyNote[];
}

export const NODE_WIDTH = 190;
export const NODE_HEIGHT = 62;

export const EMPTY_DOC: EditorDoc = {
  name: 'Untitled campaign',
  description: '',
  parameters: [],
  steps: [],
  edges: [],
  blocks: [],
  notes: [],
};

export function edgeKey(e: GraphEdge): string {
  return `${e.source}->${e.target}`;
}

const STEP_KEYS: (keyof GraphStep)[] = [
  'id',
  'name',
  'kind',
  'function',
  'kwargs',
  'argv',
  'env',
  'cwd',
  'backend',
  'retries',
  'retry_delay_s',
  'timeout_s',
  'position',
  'block',
  'resources',
  'description',
  'campaign',
  'version',
  'parameters',
  'for_each',
  'max_parallel',
];
const KIND_KEYS: Record<string, (keyof GraphStep)[]> = {
  function: ['function', 'kwargs'],
  executable: ['argv', 'env', 'cwd'],
  workflow: ['campaign', 'version', 'parameters'],
};
const KIND_ONLY = new Set(Object.values(KIND_KEYS).flat());

/** A step as the API wants it: known fields only, empty optional ones left out. */
export function stepToApi(step: GraphStep): GraphStep {
  const out: Record<string, unknown> = {};
  for (const key of STEP_KEYS) {
    const value = step[key];
    if (value === undefined || value === null || value === '') continue;
    if (key === 'kind') continue;
    if (KIND_ONLY.has(key) && !(KIND_KEYS[step.kind] ?? []).includes(key)) continue;
    if (key === 'resources' && typeof value === 'object' && Object.keys(value as object).length === 0) continue;
    if (key === 'env' && typeof value === 'object' && Object.keys(value as object).length === 0) continue;
    if (key === 'position') {
      const p = value as { x: number; y: number };
      out.position = { x: Math.round(p.x), y: Math.round(p.y) };
      continue;
    }
    out[key] = value;
  }
  return { id: step.id, name: step.name, kind: step.kind, ...out } as GraphStep;
}

/** The definition part of a PUT/POST body (the editor adds base_version); `layout` holds the notes. */
export function docToDefinition(doc: EditorDoc) {
  const graph: { steps: GraphStep[]; edges: GraphEdge[]; blocks?: GraphBlock[] } = {
    steps: doc.steps.map(stepToApi),
    edges: doc.edges.map((e) => ({ source: e.source, target: e.target })),
  };
  if (doc.blocks.length) {
    graph.blocks = doc.blocks.map((b) => ({ id: b.id, name: b.name || b.id, parent: b.parent ?? null }));
  }
  const parameters = doc.parameters.map((p) => {
    const out: CampaignParameter = { name: p.name, type: p.type };
    if (p.default !== undefined && p.default !== null && p.default !== '') out.default = p.default;
    if (p.description) out.description = p.description;
    if (p.required) out.required = true;
    if (p.type === 'choice') out.choices = p.choices ?? [];
    return out;
  });
  const notes = doc.notes.map((n) => ({ ...n }));
  return { name: doc.name, description: doc.description, parameters, graph, layout: { notes } };
}

/** Body of the save request; `baseVersion` lets the server refuse a save over someone else's. */
export function docToApiBody(doc: EditorDoc, baseVersion: number | null) {
  const body: Record<string, unknown> = docToDefinition(doc);
  if (baseVersion != null) body.base_version = baseVersion;
  return body;
}

/** Accepts a campaign from the API, or an exported file (same shape, maybe without id/version). */
export function docFromCampaign(
  c: Partial<Omit<Campaign, 'layout'>> & { graph?: Campaign['graph']; layout?: { notes?: StickyNote[] } },
): EditorDoc {
  const graph = c.graph ?? { steps: [], edges: [] };
  return {
    name: c.name ?? EMPTY_DOC.name,
    description: c.description ?? '',
    parameters: (c.parameters ?? []).map((p) => ({ ...p })),
    steps: (graph.steps ?? []).map((s) => ({ ...s, kind: s.kind ?? 'function' })),
    edges: (graph.edges ?? []).map((e) => ({ source: e.source, target: e.target })),
    blocks: (graph.blocks ?? []).map((b) => ({ id: b.id, name: b.name ?? b.id, parent: b.parent ?? null })),
    notes: (c.layout?.notes ?? []).map((n) => ({ ...n })),
  };
}

/** The exported file: the definition plus a marker so imports can tell what they got. */
export function exportFile(doc: EditorDoc): string {
  return JSON.stringify({ format: 'asyncflow-campaign', version: 1, ...docToDefinition(doc) }, null, 2);
}

export function importFile(text: string): EditorDoc {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error('The file is not JSON.');
  }
  if (!data || typeof data !== 'object') throw new Error('The file does not hold a campaign.');
  const obj = data as Record<string, unknown>;
  const graph = obj.graph as Campaign['graph'] | undefined;
  if (!graph || !Array.isArray(graph.steps) || !Array.isArray(graph.edges ?? [])) {
    throw new Error('The file has no graph with steps and edges.');
  }
  return docFromCampaign(obj as Partial<Campaign>);
}

const ID_RE = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** A step or block id not in `taken`, derived from `base` ("sleep" → "sleep", "sleep_2", …). */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  let clean = base.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 56) || 'step';
  if (!/^[A-Za-z_]/.test(clean)) clean = `s_${clean}`;
  if (!taken.has(clean) && ID_RE.test(clean)) return clean;
  const stem = clean.replace(/_\d+$/, '');
  for (let n = 2; ; n++) {
    const candidate = `${stem}_${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

export function isValidId(id: string): boolean {
  return ID_RE.test(id);
}
