import { Link } from 'react-router-dom';
import { errorText } from '../../lib/api';
import { useCampaign } from '../../lib/queries';
import type { GraphStep } from '../../lib/types';
import { Field, NumberInput } from './fields';

interface Props {
  step: GraphStep;
  patch: (p: Partial<GraphStep>, key?: string) => void;
}

function campaignId(step: GraphStep): number | null {
  const c = step.campaign;
  if (typeof c === 'number') return c;
  return c && typeof c === 'object' ? (c.id ?? null) : null;
}

/** Text as the user typed it, or the JSON value it spells (numbers, booleans, lists, placeholders stay text). */
function parsed(text: string): unknown {
  if (text.includes('{{')) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function shown(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A workflow step: the campaign it runs (read-only, with a link to edit it), its pinned version, its parameters. */
export function WorkflowStepProperties({ step, patch }: Props) {
  const id = campaignId(step);
  // Keyed by the campaign's id: picking another shows its answer only, never a slower one for the last pick.
  const childQuery = useCampaign(id);
  const child = childQuery.data ?? null;
  const error = childQuery.error ? errorText(childQuery.error) : null;
  const parameters = step.parameters ?? {};
  const setParameter = (name: string, text: string) => {
    const next = { ...parameters };
    if (text === '') delete next[name];
    else next[name] = parsed(text);
    patch({ parameters: next }, `param-${name}`);
  };
  return (
    <fieldset className="props-group" data-testid="workflow-properties">
      <legend>Workflow</legend>
      {error && (
        <div className="field-error small">
          Could not load campaign {id}: {error}
        </div>
      )}
      <Field label="Campaign">
        <div className="workflow-child">
          <span data-testid="workflow-campaign">{child?.name ?? `campaign ${id ?? '?'}`}</span>{' '}
          {id != null && (
            <>
              <Link to={`/campaigns/${id}/edit?view=1`} data-testid="workflow-open">
                open
              </Link>
              {' · '}
              <Link to={`/campaigns/${id}/edit`} data-testid="workflow-edit">
                edit
              </Link>
            </>
          )}
        </div>
      </Field>
      <div className="pfield-row">
        <Field label="Version" hint={step.version ? 'pinned' : 'pinned to the current one at save'}>
          <NumberInput
            value={step.version ?? null}
            min={1}
            step={1}
            onChange={(v) => patch({ version: v }, 'version')}
            testId="workflow-version"
          />
        </Field>
        {child && step.version != null && step.version !== child.version && (
          <button
            type="button"
            className="btn small"
            data-testid="workflow-update"
            onClick={() => patch({ version: child.version })}
          >
            Update to latest (v{child.version})
          </button>
        )}
      </div>
      {(child?.parameters ?? []).map((p) => (
        <Field key={p.name} label={p.name} hint={`${p.type}${p.required ? ', required' : ''}`}>
          <input
            value={shown(parameters[p.name])}
            placeholder={shown(p.default)}
            onChange={(e) => setParameter(p.name, e.target.value)}
            data-testid={`workflow-param-${p.name}`}
          />
        </Field>
      ))}
      {child && child.parameters.length === 0 && (
        <div className="muted small">This campaign declares no parameters.</div>
      )}
    </fieldset>
  );
}
