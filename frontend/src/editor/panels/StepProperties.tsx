import { useEffect, useState } from 'react';
import type { FunctionInfo, GraphStep, StepResources } from '../../lib/types';
import { isValidId, type EditorDoc } from '../lib/doc';
import { renameStep, updateStep } from '../lib/ops';
import { placeholdersFor } from '../lib/scope';
import type { EditOptions } from '../useEditorDoc';
import { Field, NumberInput } from './fields';
import { defaultKwargs, KwargsForm, type FunctionSchema } from './KwargsForm';
import { ArgvList, EnvList } from './ListFields';
import { TestStepPanel } from './TestStepPanel';
import { WorkflowStepProperties } from './WorkflowStepProperties';

interface Props {
  doc: EditorDoc;
  step: GraphStep;
  functions: FunctionInfo[];
  errors: string[];
  edit: (change: (doc: EditorDoc) => EditorDoc, options?: EditOptions) => void;
  onRenamed: (id: string) => void;
}

export function StepProperties({ doc, step, functions, errors, edit, onRenamed }: Props) {
  const [idText, setIdText] = useState(step.id);
  useEffect(() => setIdText(step.id), [step.id]);
  const patch = (p: Partial<GraphStep>, key?: string) =>
    edit((d) => updateStep(d, step.id, p), key ? { coalesce: `${step.id}:${key}` } : undefined);
  const fn = functions.find((f) => f.name === step.function);
  const placeholders = placeholdersFor(doc, step.id);
  const resources: StepResources = step.resources ?? {};
  const setResource = (key: keyof StepResources, value: unknown) => {
    const next: Record<string, unknown> = { ...resources, [key]: value };
    if (value === null || value === undefined || value === '') delete next[key];
    patch({ resources: next as StepResources }, `res-${key}`);
  };
  const idTaken = idText !== step.id && doc.steps.some((s) => s.id === idText);
  const idError = !isValidId(idText)
    ? 'letters, digits, _ or -, not starting with a digit'
    : idTaken
      ? 'already used'
      : undefined;

  return (
    <div className="props" data-testid="step-properties" data-step={step.id}>
      {errors.length > 0 && (
        <ul className="props-errors" data-testid="step-properties-errors">
          {errors.map((e, i) => (
            <li key={i}>{e}</li>
          ))}
        </ul>
      )}
      <Field label="Name" error={step.name.trim() ? undefined : 'A step needs a name'}>
        <input
          value={step.name}
          placeholder={step.id}
          onChange={(e) => patch({ name: e.target.value }, 'name')}
          data-testid="step-name"
        />
      </Field>
      <Field label="Id" hint="used in placeholders and edges" error={idError}>
        <input
          value={idText}
          onChange={(e) => setIdText(e.target.value)}
          onBlur={() => {
            if (idText !== step.id && !idError) {
              edit((d) => renameStep(d, step.id, idText));
              onRenamed(idText);
            } else setIdText(step.id);
          }}
          onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
          data-testid="step-id"
        />
      </Field>
      <div className="pfield-row">
        <Field label="Kind">
          <select
            value={step.kind}
            data-testid="step-kind"
            onChange={(e) =>
              patch(
                e.target.value === 'function'
                  ? { kind: 'function', function: step.function ?? functions[0]?.name, kwargs: step.kwargs ?? {} }
                  : {
                      kind: 'executable',
                      argv: step.argv?.length ? step.argv : ['echo', 'hello'],
                      env: step.env ?? {},
                    },
              )
            }
          >
            <option value="function">function</option>
            <option value="executable">executable</option>
          </select>
        </Field>
        {step.kind === 'function' && (
          <Field label="Function">
            <select
              value={step.function ?? ''}
              data-testid="step-function"
              onChange={(e) => {
                const next = functions.find((f) => f.name === e.target.value);
                patch({ function: e.target.value, kwargs: defaultKwargs(next?.schema as FunctionSchema) });
              }}
            >
              {!fn && <option value={step.function ?? ''}>{step.function ?? '—'} (unknown)</option>}
              {functions.map((f) => (
                <option key={f.name} value={f.name}>
                  {f.name}
                </option>
              ))}
            </select>
          </Field>
        )}
      </div>
      {step.kind === 'workflow' ? (
        <WorkflowStepProperties step={step} patch={patch} />
      ) : step.kind === 'function' ? (
        <fieldset className="props-group">
          <legend>Arguments{fn?.description ? <span className="muted small"> — {fn.description}</span> : null}</legend>
          <KwargsForm
            stepId={step.id}
            schema={fn?.schema as FunctionSchema | undefined}
            kwargs={step.kwargs ?? {}}
            placeholders={placeholders}
            onChange={(name, value) => {
              const kwargs = { ...(step.kwargs ?? {}) };
              if (value === undefined) delete kwargs[name];
              else kwargs[name] = value;
              patch({ kwargs }, `kw-${name}`);
            }}
          />
        </fieldset>
      ) : (
        <>
          <fieldset className="props-group">
            <legend>Command line (argv)</legend>
            <ArgvList argv={step.argv ?? []} placeholders={placeholders} onChange={(argv) => patch({ argv }, 'argv')} />
          </fieldset>
          <fieldset className="props-group">
            <legend>Environment</legend>
            <EnvList env={step.env ?? {}} onChange={(env) => patch({ env }, 'env')} />
          </fieldset>
          <Field label="Working directory">
            <input
              value={step.cwd ?? ''}
              onChange={(e) => patch({ cwd: e.target.value || null }, 'cwd')}
              data-testid="step-cwd"
            />
          </Field>
        </>
      )}
      <fieldset className="props-group">
        <legend>Execution</legend>
        <div className="pfield-row">
          <Field label="Backend">
            <input
              list="backend-options"
              value={step.backend ?? 'thread'}
              onChange={(e) => patch({ backend: e.target.value }, 'backend')}
              data-testid="step-backend"
            />
            <datalist id="backend-options">
              <option value="thread" />
            </datalist>
          </Field>
          <Field label="Retries">
            <NumberInput
              value={step.retries ?? 0}
              min={0}
              step={1}
              onChange={(v) => patch({ retries: v ?? 0 }, 'retries')}
              testId="step-retries"
            />
          </Field>
        </div>
        <div className="pfield-row">
          <Field label="Retry delay" hint="s">
            <NumberInput
              value={step.retry_delay_s ?? 0}
              min={0}
              onChange={(v) => patch({ retry_delay_s: v ?? 0 }, 'delay')}
              testId="step-retry-delay"
            />
          </Field>
          <Field label="Timeout" hint="s, blank = none">
            <NumberInput
              value={step.timeout_s ?? null}
              min={0}
              onChange={(v) => patch({ timeout_s: v }, 'timeout')}
              testId="step-timeout"
            />
          </Field>
        </div>
      </fieldset>
      <fieldset className="props-group">
        <legend>Resources</legend>
        <div className="pfield-row">
          <Field label="Cores">
            <NumberInput
              value={resources.cores ?? null}
              min={1}
              step={1}
              onChange={(v) => setResource('cores', v)}
              testId="res-cores"
            />
          </Field>
          <Field label="GPUs">
            <NumberInput
              value={resources.gpus ?? null}
              min={0}
              step={1}
              onChange={(v) => setResource('gpus', v)}
              testId="res-gpus"
            />
          </Field>
        </div>
        <div className="pfield-row">
          <Field label="Walltime" hint="HH:MM[:SS]">
            <input
              value={resources.walltime ?? ''}
              placeholder="01:00"
              onChange={(e) => setResource('walltime', e.target.value)}
              data-testid="res-walltime"
            />
          </Field>
          <Field label="Partition">
            <input
              value={resources.partition ?? ''}
              onChange={(e) => setResource('partition', e.target.value)}
              data-testid="res-partition"
            />
          </Field>
        </div>
      </fieldset>
      <Field label="Description">
        <textarea
          rows={2}
          value={step.description ?? ''}
          onChange={(e) => patch({ description: e.target.value }, 'description')}
          data-testid="step-description"
        />
      </Field>
      {step.kind !== 'workflow' && <TestStepPanel doc={doc} step={step} />}
    </div>
  );
}
