import type { CampaignParameter } from '../../lib/types';
import type { EditorDoc } from '../lib/doc';
import type { EditOptions } from '../useEditorDoc';
import { numberFromText } from '../lib/kwargs';
import { DraftTextInput, displayValue } from './fields';

const TYPES = ['string', 'integer', 'number', 'boolean', 'choice', 'json'];

function parseDefault(type: string, text: string): unknown {
  if (text === '') return undefined;
  if (type === 'string') return text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (type === 'integer' || type === 'number') return numberFromText(text);
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// One parser per type, kept stable across renders so a field's text is not rewritten while typing.
const DEFAULT_PARSERS: Record<string, (text: string) => unknown> = Object.fromEntries(
  TYPES.map((t) => [t, (text: string) => parseDefault(t, text)]),
);

interface Props {
  doc: EditorDoc;
  errors: string[];
  edit: (change: (doc: EditorDoc) => EditorDoc, options?: EditOptions) => void;
}

/** The campaign's parameters: name, type, default, description (and choices). */
export function ParametersEditor({ doc, errors, edit }: Props) {
  const setParam = (i: number, patch: Partial<CampaignParameter>, key: string) =>
    edit((d) => ({ ...d, parameters: d.parameters.map((p, j) => (j === i ? { ...p, ...patch } : p)) }), {
      coalesce: `param-${i}-${key}`,
    });
  const remove = (i: number) => edit((d) => ({ ...d, parameters: d.parameters.filter((_, j) => j !== i) }));
  const add = () =>
    edit((d) => {
      const taken = new Set(d.parameters.map((p) => p.name));
      let n = d.parameters.length + 1;
      while (taken.has(`param${n}`)) n++;
      return {
        ...d,
        parameters: [...d.parameters, { name: `param${n}`, type: 'string', default: '', description: '' }],
      };
    });
  return (
    <div className="params-editor" data-testid="parameters-editor">
      {errors.length > 0 && (
        <ul className="props-errors">
          {errors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
      {doc.parameters.length === 0 && (
        <p className="muted small">No parameters. Steps use them as {'{{ params.name }}'}.</p>
      )}
      {doc.parameters.map((p, i) => (
        <div className="param-card" key={i} data-testid={`param-${i}`}>
          <div className="pfield-row">
            <label className="pfield">
              <span className="pfield-label">Name</span>
              <input
                value={p.name}
                onChange={(e) => setParam(i, { name: e.target.value }, 'name')}
                data-testid={`param-name-${i}`}
              />
            </label>
            <label className="pfield">
              <span className="pfield-label">Type</span>
              <select
                value={p.type}
                onChange={(e) =>
                  setParam(
                    i,
                    {
                      type: e.target.value,
                      default: undefined,
                      choices: e.target.value === 'choice' ? ['a', 'b'] : undefined,
                    },
                    'type',
                  )
                }
                data-testid={`param-type-${i}`}
              >
                {TYPES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
          </div>
          {p.type === 'choice' && (
            <label className="pfield">
              <span className="pfield-label">
                Choices <span className="pfield-hint">comma-separated</span>
              </span>
              <input
                value={(p.choices ?? []).map(displayValue).join(', ')}
                onChange={(e) =>
                  setParam(
                    i,
                    {
                      choices: e.target.value
                        .split(',')
                        .map((c) => c.trim())
                        .filter(Boolean),
                    },
                    'choices',
                  )
                }
                data-testid={`param-choices-${i}`}
              />
            </label>
          )}
          <label className="pfield">
            <span className="pfield-label">Default</span>
            {p.type === 'boolean' ? (
              <select
                value={displayValue(p.default)}
                onChange={(e) => setParam(i, { default: parseDefault('boolean', e.target.value) }, 'default')}
                data-testid={`param-default-${i}`}
              >
                <option value="">(none)</option>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <DraftTextInput
                value={p.default}
                parse={DEFAULT_PARSERS[p.type] ?? DEFAULT_PARSERS.json}
                onChange={(v) => setParam(i, { default: v }, 'default')}
                testId={`param-default-${i}`}
              />
            )}
          </label>
          <label className="pfield">
            <span className="pfield-label">Description</span>
            <input
              value={p.description ?? ''}
              onChange={(e) => setParam(i, { description: e.target.value }, 'description')}
              data-testid={`param-description-${i}`}
            />
          </label>
          <div className="param-actions">
            <label className="checkbox-label small">
              <input
                type="checkbox"
                checked={!!p.required}
                onChange={(e) => setParam(i, { required: e.target.checked }, 'required')}
              />{' '}
              required
            </label>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => remove(i)}
              data-testid={`param-remove-${i}`}
            >
              Remove
            </button>
          </div>
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={add} data-testid="param-add">
        + parameter
      </button>
    </div>
  );
}
