// Launching many runs at once: parameter sets from "one value per line" or a
// JSON list. No React.
import type { CampaignParameter } from './types';
import { normalizeType } from './params';

export type InstancesMode = 'single' | 'lines' | 'json';

export interface InstancesResult {
  instances: { parameters: Record<string, unknown> }[];
  error: string | null;
}

function typed(spec: CampaignParameter | undefined, text: string): unknown {
  const type = normalizeType(spec?.type);
  if (type === 'string') return text;
  if (type === 'integer' && /^[-+]?\d+$/.test(text)) return Number(text);
  if (type === 'number' && text !== '' && Number.isFinite(Number(text))) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One run per non-blank line, each with `parameter` set to that line and the other values from `base`. */
export function instancesFromLines(
  parameters: readonly CampaignParameter[],
  base: Record<string, unknown>,
  parameter: string,
  text: string,
): InstancesResult {
  const spec = parameters.find((p) => p.name === parameter);
  if (!spec) return { instances: [], error: 'Choose the parameter that varies.' };
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  if (!lines.length) return { instances: [], error: 'Enter one value per line.' };
  return { instances: lines.map((line) => ({ parameters: { ...base, [parameter]: typed(spec, line) } })), error: null };
}

/** A JSON list of parameter objects (or of `{"parameters": {...}}`). */
export function instancesFromJson(base: Record<string, unknown>, text: string): InstancesResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { instances: [], error: 'Not valid JSON: expected a list like [{"name": "A"}, {"name": "B"}].' };
  }
  if (!Array.isArray(data) || !data.length)
    return { instances: [], error: 'Expected a non-empty JSON list of parameter sets.' };
  const instances: { parameters: Record<string, unknown> }[] = [];
  for (const [i, item] of data.entries()) {
    if (!item || typeof item !== 'object' || Array.isArray(item))
      return { instances: [], error: `Item ${i + 1} is not an object.` };
    const obj = item as Record<string, unknown>;
    const params =
      'parameters' in obj && obj.parameters && typeof obj.parameters === 'object'
        ? (obj.parameters as Record<string, unknown>)
        : obj;
    instances.push({ parameters: { ...base, ...params } });
  }
  return { instances, error: null };
}
