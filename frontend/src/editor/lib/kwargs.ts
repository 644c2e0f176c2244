/** A function step's arguments checked against its JSON schema, with the server's words (graph/kwargs.py). */

export interface SchemaProp {
  type?: string | string[];
  default?: unknown;
  description?: string;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  string: 'a string',
  array: 'a list',
  object: 'an object',
  null: 'null',
};

const WHOLE_PLACEHOLDER = /^\s*\{\{.*?\}\}\s*$/;

export function isPlaceholder(value: unknown): boolean {
  return typeof value === 'string' && WHOLE_PLACEHOLDER.test(value);
}

function fits(value: unknown, kind: string): boolean {
  switch (kind) {
    case 'null':
      return value === null;
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'string':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return true;
  }
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= 60 ? text : `${text.slice(0, 57)}...`;
}

/** Why ``value`` does not fit argument ``prop`` (a placeholder fits until a run renders it), or null. */
export function argumentError(name: string, value: unknown, prop: SchemaProp): string | null {
  if (value === undefined || prop.type === undefined || isPlaceholder(value)) return null;
  const kinds = Array.isArray(prop.type) ? prop.type : [prop.type];
  if (kinds.some((k) => fits(value, k))) return null;
  return `argument '${name}' must be ${kinds.map((k) => TYPE_WORDS[k] ?? k).join(' or ')}, got ${shown(value)}`;
}

const NUMBER_TEXT = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * The value a number field's text stands for: a number when it reads as one (``0.`` is 0 while the
 * user goes on typing ``0.5``), blank is no value, anything else stays text for the check to name.
 */
export function numberFromText(text: string): unknown {
  const t = text.trim();
  if (t === '') return undefined;
  if (NUMBER_TEXT.test(t)) return Number(t);
  return text;
}
