import { useEffect, useState } from 'react';
import { argumentError, numberFromText, type SchemaProp } from '../lib/kwargs';
import type { Placeholder } from '../lib/scope';
import { DraftTextInput, displayValue, Field, PlaceholderMenu } from './fields';

export interface FunctionSchema {
  properties?: Record<string, SchemaProp>;
  required?: string[];
  additionalProperties?: boolean;
}

function typeOf(prop: SchemaProp): string {
  const t = Array.isArray(prop.type) ? prop.type.find((x) => x !== 'null') : prop.type;
  return t ?? 'any';
}

/** Initial kwargs of a new step: defaults, and a starting value for required ones. */
export function defaultKwargs(schema: FunctionSchema | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, prop] of Object.entries(schema?.properties ?? {})) {
    if (!(schema?.required ?? []).includes(name)) continue;
    const t = typeOf(prop);
    out[name] =
      t === 'number' || t === 'integer' ? 1 : t === 'boolean' ? false : t === 'object' ? {} : t === 'array' ? [] : '';
  }
  return out;
}

function JsonInput({ value, onChange, testId }: { value: unknown; onChange: (v: unknown) => void; testId: string }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value)));
  const [bad, setBad] = useState(false);
  useEffect(() => {
    setText(value === undefined ? '' : JSON.stringify(value));
    setBad(false);
  }, [value]);
  return (
    <>
      <textarea
        rows={2}
        spellCheck={false}
        value={text}
        data-testid={testId}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => {
          if (text.trim() === '') return onChange(undefined);
          try {
            onChange(JSON.parse(text));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <span className="field-error small">Not valid JSON (kept as it was)</span>}
    </>
  );
}

const textOrNothing = (text: string): unknown => (text === '' ? undefined : text);

interface Props {
  stepId: string;
  schema: FunctionSchema | undefined;
  kwargs: Record<string, unknown>;
  placeholders: Placeholder[];
  onChange: (name: string, value: unknown) => void;
}

/** The function's keyword arguments as a form built from its JSON schema. */
export function KwargsForm({ stepId, schema, kwargs, placeholders, onChange }: Props) {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const extra = Object.keys(kwargs).filter((k) => !(k in props));
  const [newKey, setNewKey] = useState('');
  return (
    <div className="kwargs-form" data-testid="kwargs-form">
      {Object.keys(props).length === 0 && !schema?.additionalProperties && (
        <div className="muted small">This function takes no arguments.</div>
      )}
      {Object.entries(props).map(([name, prop]) => {
        const t = typeOf(prop);
        const value = kwargs[name];
        const hint = `${t}${required.has(name) ? ', required' : ''}${prop.default !== undefined ? `, default ${JSON.stringify(prop.default)}` : ''}`;
        const missing = required.has(name) && (value === undefined || value === '');
        const error = missing ? 'required' : (argumentError(name, value, prop) ?? undefined);
        return (
          <Field key={`${stepId}-${name}`} label={name} hint={hint} error={error}>
            {t === 'boolean' ? (
              <select
                value={value === undefined ? '' : displayValue(value)}
                onChange={(e) =>
                  onChange(
                    name,
                    e.target.value === ''
                      ? undefined
                      : e.target.value === 'true'
                        ? true
                        : e.target.value === 'false'
                          ? false
                          : e.target.value,
                  )
                }
                data-testid={`kwarg-${name}`}
              >
                <option value="">(default)</option>
                <option value="true">true</option>
                <option value="false">false</option>
                {placeholders.map((p) => (
                  <option key={p.text} value={p.text}>
                    {p.text}
                  </option>
                ))}
              </select>
            ) : t === 'object' || t === 'array' || t === 'any' ? (
              <JsonInput value={value} onChange={(v) => onChange(name, v)} testId={`kwarg-${name}`} />
            ) : (
              <div className="input-with-menu">
                <DraftTextInput
                  value={value}
                  parse={t === 'string' ? textOrNothing : numberFromText}
                  inputMode={t === 'string' ? undefined : 'decimal'}
                  placeholder={prop.default !== undefined ? displayValue(prop.default) : ''}
                  onChange={(v) => onChange(name, v)}
                  testId={`kwarg-${name}`}
                />
                <PlaceholderMenu
                  options={placeholders}
                  testId={`placeholder-kwarg-${name}`}
                  onPick={(text) => onChange(name, typeof value === 'string' && t === 'string' ? value + text : text)}
                />
              </div>
            )}
          </Field>
        );
      })}
      {extra.map((name) => (
        <Field key={`${stepId}-x-${name}`} label={name} hint="extra (JSON)">
          <div className="input-with-menu">
            <JsonInput value={kwargs[name]} onChange={(v) => onChange(name, v)} testId={`kwarg-${name}`} />
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => onChange(name, undefined)}
              title="Remove"
            >
              ×
            </button>
          </div>
        </Field>
      ))}
      {schema?.additionalProperties && (
        <div className="add-row">
          <input
            placeholder="argument name"
            value={newKey}
            onChange={(e) => setNewKey(e.target.value)}
            data-testid="kwarg-new-name"
          />
          <button
            type="button"
            className="btn btn-small"
            disabled={!/^[A-Za-z_]\w*$/.test(newKey) || newKey in kwargs}
            onClick={() => {
              onChange(newKey, '');
              setNewKey('');
            }}
          >
            Add argument
          </button>
        </div>
      )}
    </div>
  );
}
