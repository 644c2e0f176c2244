import { useState } from 'react';
import { useExecutableRight } from '../auth';
import { ApiError, errorText, flattenMessages } from '../lib/api';
import { executablesBlock } from '../lib/capabilities';
import { useLaunch } from '../lib/queries';
import { instancesFromJson, instancesFromLines, type InstancesMode } from '../lib/instances';
import { choiceValue, coerceValues, initialValues, normalizeType, serverErrors, type FormValues } from '../lib/params';
import type { BatchLaunch, Campaign, Run } from '../lib/types';
import { Modal } from './Modal';
import { FormError } from './FormError';

interface Props {
  campaign: Campaign;
  onClose: () => void;
  onLaunched: (run: Run) => void;
  /** Called after launching several runs at once (without it, only single runs are offered). */
  onLaunchedBatch?: (result: BatchLaunch) => void;
}

/** Modal form built from the campaign's parameters; POSTs a new run. */
export function LaunchDialog({ campaign, onClose, onLaunched, onLaunchedBatch }: Props) {
  const parameters = campaign.parameters ?? [];
  const [mode, setMode] = useState<InstancesMode>('single');
  const [varying, setVarying] = useState(parameters[0]?.name ?? '');
  const [lines, setLines] = useState('');
  const [jsonList, setJsonList] = useState('');
  const [values, setValues] = useState<FormValues>(() => initialValues(parameters));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const { launchRun, launchBatch } = useLaunch(campaign.id);
  const blocked = executablesBlock(useExecutableRight(campaign.team ?? null, campaign), campaign.graph, 'launch');

  const setValue = (name: string, value: string | boolean) => {
    setValues((v) => ({ ...v, [name]: value }));
    setFieldErrors((errs) => {
      if (!(name in errs)) return errs;
      const next = { ...errs };
      delete next[name];
      return next;
    });
  };

  const onSubmit = async () => {
    const { values: typed, errors } = coerceValues(parameters, values);
    if (Object.keys(errors).length) {
      setFieldErrors(errors);
      setMessage(null);
      return;
    }
    let instances: { parameters: Record<string, unknown> }[] = [];
    if (mode !== 'single') {
      const built =
        mode === 'lines' ? instancesFromLines(parameters, typed, varying, lines) : instancesFromJson(typed, jsonList);
      if (built.error) {
        setMessage(built.error);
        return;
      }
      instances = built.instances;
    }
    setBusy(true);
    setMessage(null);
    setFieldErrors({});
    try {
      if (mode === 'single') {
        onLaunched(await launchRun(typed));
      } else {
        const result = await launchBatch(instances);
        onLaunchedBatch?.(result);
      }
    } catch (err) {
      if (err instanceof ApiError && err.status === 400 && mode !== 'single') {
        const body = err.body as Record<string, unknown> | null;
        const byIndex =
          body && typeof body.instances === 'object' && body.instances
            ? (body.instances as Record<string, unknown>)
            : null;
        setMessage(
          byIndex && !Array.isArray(byIndex)
            ? Object.entries(byIndex)
                .map(([i, v]) => `run ${Number(i) + 1}: ${flattenMessages(v).join(' ')}`)
                .join('; ')
            : flattenMessages(body).join(' ') || err.message,
        );
        setBusy(false);
      } else if (err instanceof ApiError && err.status === 400) {
        const mapped = serverErrors(
          err.body,
          parameters.map((p) => p.name),
          err.status,
        );
        setFieldErrors(mapped.fields);
        setMessage(mapped.message || null);
      } else {
        setMessage(errorText(err));
      }
      setBusy(false);
    }
  };

  return (
    <Modal
      title={`Launch “${campaign.name}”`}
      fullTitle={campaign.name}
      aside={<span className="muted">v{campaign.version}</span>}
      testId="launch-dialog"
      busy={busy}
      onClose={onClose}
      onSubmit={() => void onSubmit()}
      focusFirstField
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy} data-testid="launch-cancel">
            Cancel
          </button>
          <button
            type="submit"
            className="btn btn-primary"
            disabled={busy || !!blocked}
            title={blocked ?? undefined}
            data-testid="launch-submit"
          >
            {busy ? 'Launching…' : mode === 'single' ? 'Launch run' : 'Launch runs'}
          </button>
        </>
      }
    >
      {parameters.length === 0 && <p className="muted">This campaign has no parameters.</p>}
      {parameters.map((p) => {
        const type = normalizeType(p.type);
        const id = `param-${campaign.id}-${p.name}`;
        const err = fieldErrors[p.name];
        const value = values[p.name];
        return (
          <div className={`field${err ? ' has-error' : ''}`} key={p.name}>
            {type === 'boolean' ? (
              <label className="checkbox-label" htmlFor={id}>
                <input
                  id={id}
                  type="checkbox"
                  name={p.name}
                  checked={value === true}
                  onChange={(e) => setValue(p.name, e.target.checked)}
                  aria-invalid={err ? true : undefined}
                />
                <span className="field-label">{p.name}</span>
                <span className="field-type">boolean</span>
              </label>
            ) : (
              <>
                <label className="field-label" htmlFor={id}>
                  {p.name}
                  {p.required && (
                    <span className="required" title="required">
                      {' '}
                      *
                    </span>
                  )}{' '}
                  <span className="field-type">{type}</span>
                </label>
                {type === 'choice' ? (
                  <select
                    id={id}
                    name={p.name}
                    value={typeof value === 'string' ? value : ''}
                    onChange={(e) => setValue(p.name, e.target.value)}
                    aria-invalid={err ? true : undefined}
                    aria-describedby={err ? `${id}-error` : undefined}
                  >
                    {(value === '' || value === undefined) && <option value="">—</option>}
                    {(p.choices ?? []).map((c) => (
                      <option key={choiceValue(c)} value={choiceValue(c)}>
                        {typeof c === 'string' ? c : choiceValue(c)}
                      </option>
                    ))}
                  </select>
                ) : type === 'json' ? (
                  <textarea
                    id={id}
                    name={p.name}
                    rows={3}
                    spellCheck={false}
                    value={typeof value === 'string' ? value : ''}
                    onChange={(e) => setValue(p.name, e.target.value)}
                    aria-invalid={err ? true : undefined}
                    aria-describedby={err ? `${id}-error` : undefined}
                  />
                ) : (
                  <input
                    id={id}
                    name={p.name}
                    type="text"
                    inputMode={type === 'integer' ? 'numeric' : type === 'number' ? 'decimal' : undefined}
                    value={typeof value === 'string' ? value : ''}
                    onChange={(e) => setValue(p.name, e.target.value)}
                    aria-invalid={err ? true : undefined}
                    aria-describedby={err ? `${id}-error` : undefined}
                  />
                )}
              </>
            )}
            {p.description && <div className="field-help">{p.description}</div>}
            {err && (
              <div className="field-error" id={`${id}-error`} data-testid={`error-${p.name}`} role="alert">
                {err}
              </div>
            )}
          </div>
        );
      })}
      {onLaunchedBatch && (
        <fieldset className="instances" data-testid="launch-instances">
          <legend>Instances</legend>
          <div className="segmented" role="radiogroup" aria-label="How many runs">
            {(['single', 'lines', 'json'] as const).map((m) => (
              <label key={m} className={mode === m ? 'active' : ''} data-testid={`instances-mode-${m}`}>
                <input type="radio" name="instances-mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
                {m === 'single' ? 'One run' : m === 'lines' ? 'One per line' : 'JSON list'}
              </label>
            ))}
          </div>
          {mode === 'lines' && (
            <>
              <label className="field-label" htmlFor={`vary-${campaign.id}`}>
                One run per value of
              </label>
              <select
                id={`vary-${campaign.id}`}
                value={varying}
                onChange={(e) => setVarying(e.target.value)}
                data-testid="instances-parameter"
              >
                {parameters.map((p) => (
                  <option key={p.name} value={p.name}>
                    {p.name}
                  </option>
                ))}
              </select>
              <textarea
                rows={4}
                value={lines}
                onChange={(e) => setLines(e.target.value)}
                placeholder={'Campaign A\nCampaign B\nCampaign C'}
                data-testid="instances-lines"
                aria-label="One value per line"
              />
              <div className="field-help">
                {lines.split('\n').filter((l) => l.trim()).length} run(s); the other parameters take the values above.
              </div>
            </>
          )}
          {mode === 'json' && (
            <>
              <textarea
                rows={4}
                value={jsonList}
                spellCheck={false}
                onChange={(e) => setJsonList(e.target.value)}
                placeholder={'[{"name": "Campaign A"}, {"name": "Campaign B"}]'}
                data-testid="instances-json"
                aria-label="JSON list of parameter sets"
              />
              <div className="field-help">Each object overrides the values above for one run.</div>
            </>
          )}
        </fieldset>
      )}
      <FormError message={blocked} testId="launch-blocked" role="status" />
      <FormError message={message} testId="launch-error" />
    </Modal>
  );
}
