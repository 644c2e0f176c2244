// A 400 answer to a save, mapped onto the canvas: messages per step and per
// edge, and the rest as a list. No React.
import { flattenMessages, messageFromBody } from '../../lib/api';
import { edgeKey } from './doc';

export interface CanvasErrors {
  steps: Record<string, string[]>;
  edges: Record<string, string[]>;
  /** Messages not shown on any node or edge. */
  general: string[];
  /** Every message, for the errors list. */
  all: string[];
  count: number;
}

export const NO_ERRORS: CanvasErrors = { steps: {}, edges: {}, general: [], all: [], count: 0 };

interface Fault {
  message?: string;
  step?: string;
  edge?: { source: string; target: string };
  path?: string[];
}

// What a person calls the campaign's own fields in an error.
const FIELD_LABELS: Record<string, string> = {
  name: 'Campaign name',
  description: 'Description',
  parameters: 'Parameters',
  layout: 'Layout',
};
const label = (field: string) => FIELD_LABELS[field] ?? field;

export function canvasErrors(body: unknown, status = 400): CanvasErrors {
  const out: CanvasErrors = { steps: {}, edges: {}, general: [], all: [], count: 0 };
  const add = (bucket: Record<string, string[]>, key: string, message: string) => {
    bucket[key] = [...(bucket[key] ?? []), message];
  };
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    out.general.push(messageFromBody(body, status));
    out.all.push(out.general[0]);
    out.count = 1;
    return out;
  }
  for (const [field, value] of Object.entries(body as Record<string, unknown>)) {
    const faults = Array.isArray(value) ? value : [value];
    for (const raw of faults) {
      out.count += 1;
      if (raw && typeof raw === 'object' && 'message' in (raw as object)) {
        const f = raw as Fault;
        const message = String(f.message);
        let placed = false;
        if (f.step) {
          add(out.steps, f.step, message);
          placed = true;
        }
        if (f.edge) {
          add(out.edges, edgeKey(f.edge), message);
          placed = true;
        }
        if (Array.isArray(f.path) && f.path.length > 1) {
          for (let i = 0; i + 1 < f.path.length; i++) add(out.edges, `${f.path[i]}->${f.path[i + 1]}`, message);
          for (const id of new Set(f.path)) add(out.steps, id, message);
          placed = true;
        }
        const shown = field === 'graph' ? message : `${label(field)}: ${message}`;
        out.all.push(shown);
        if (!placed || field !== 'graph') out.general.push(shown);
      } else {
        const text = flattenMessages(raw).join(' ');
        const shown = field === 'detail' ? text : `${label(field)}: ${text}`;
        out.general.push(shown);
        out.all.push(shown);
      }
    }
  }
  return out;
}
