// Launch-form helpers: form values from campaign parameters, coercion back to
// typed JSON, and mapping of server 400 bodies to field errors. No React.
import type { CampaignParameter } from './types';
import { flattenMessages, messageFromBody } from './api';

export type FormValue = string | boolean;
export type FormValues = Record<string, FormValue>;
export type InputKind = 'string' | 'integer' | 'number' | 'boolean' | 'choice' | 'json';

export function normalizeType(type: unknown): InputKind {
  const t = String(type ?? 'string').toLowerCase();
  if (t === 'integer' || t === 'int') return 'integer';
  if (t === 'number' || t === 'float' || t === 'double') return 'number';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  if (t === 'choice' || t === 'enum') return 'choice';
  if (t === 'json' || t === 'object' || t === 'array') return 'json';
  return 'string';
}

/** Option value used in the <select> of a "choice" parameter (choices may be any JSON). */
export function choiceValue(choice: unknown): string {
  return JSON.stringify(choice) ?? 'null';
}

/** Initial form values: each parameter's default, as the input wants it. */
export function initialValues(parameters: readonly CampaignParameter[]): FormValues {
  const values: FormValues = {};
  for (const p of parameters) {
    const type = normalizeType(p.type);
    const d = p.default;
    if (type === 'boolean') {
      values[p.name] = d === true || d === 'true' || d === 1;
    } else if (type === 'choice') {
      const choices = Array.isArray(p.choices) ? p.choices : [];
      const match = choices.find((c) => choiceValue(c) === choiceValue(d));
      values[p.name] = d !== undefined && d !== null && match !== undefined ? choiceValue(match) : '';
    } else if (d === undefined || d === null) {
      values[p.name] = '';
    } else if (type === 'json') {
      values[p.name] = JSON.stringify(d);
    } else if (typeof d === 'object') {
      values[p.name] = JSON.stringify(d);
    } else {
      values[p.name] = String(d);
    }
  }
  return values;
}

export interface CoerceResult {
  values: Record<string, unknown>;
  /** Problems the server could not report for us (text that is not JSON). */
  errors: Record<string, string>;
}

/**
 * Convert form values to typed parameters. Numeric text becomes a number;
 * other text for a number is sent as typed so the server reports the problem
 * next to the field (its messages are authoritative). Blank values of
 * non-string parameters are left out so the server applies the default (or
 * reports the field as required).
 */
export function coerceValues(parameters: readonly CampaignParameter[], form: FormValues): CoerceResult {
  const values: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const p of parameters) {
    const type = normalizeType(p.type);
    const raw = form[p.name];
    if (type === 'boolean') {
      values[p.name] = raw === true || raw === 'true';
      continue;
    }
    const text = typeof raw === 'string' ? raw : raw === undefined ? '' : String(raw);
    if (type === 'string') {
      values[p.name] = text;
      continue;
    }
    const trimmed = text.trim();
    if (trimmed === '') continue;
    if (type === 'choice' || type === 'json') {
      try {
        values[p.name] = JSON.parse(trimmed);
      } catch {
        if (type === 'choice') values[p.name] = trimmed;
        else errors[p.name] = 'Enter valid JSON.';
      }
      continue;
    }
    const isNumber = type === 'integer' ? /^[-+]?\d+$/.test(trimmed) : Number.isFinite(Number(trimmed));
    values[p.name] = isNumber ? Number(trimmed) : trimmed;
  }
  return { values, errors };
}

export interface ServerErrors {
  /** Messages attached to a named parameter. */
  fields: Record<string, string>;
  /** Everything else, as one message (empty when all errors were placed on fields). */
  message: string;
}

/**
 * Map a launch 400 body onto the form: `{"parameters": {"n": ["msg"]}}` goes
 * next to input n; `{"detail": ...}`, unknown names or other shapes become a
 * general message.
 */
export function serverErrors(body: unknown, parameterNames: readonly string[], status = 400): ServerErrors {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  const names = new Set(parameterNames);

  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const obj = body as Record<string, unknown>;
    for (const [key, value] of Object.entries(obj)) {
      if (key === 'parameters' && value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [name, msgs] of Object.entries(value as Record<string, unknown>)) {
          const text = flattenMessages(msgs).join(' ');
          if (names.has(name)) fields[name] = text;
          else general.push(name === 'non_field_errors' ? text : `${name}: ${text}`);
        }
      } else if (key === 'detail' || key === 'non_field_errors' || key === 'parameters') {
        general.push(flattenMessages(value).join(' '));
      } else if (names.has(key)) {
        fields[key] = flattenMessages(value).join(' ');
      } else {
        general.push(`${key}: ${flattenMessages(value).join(' ')}`);
      }
    }
  } else {
    general.push(messageFromBody(body, status));
  }
  const message = general.filter(Boolean).join(' ');
  if (!message && Object.keys(fields).length === 0) {
    return { fields, message: messageFromBody(body, status) };
  }
  return { fields, message };
}
