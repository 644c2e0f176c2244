import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, api } from '../lib/api';
import { choiceValue, coerceValues, initialValues, normalizeType, serverErrors, type FormValues } from '../lib/params';
import type { Campaign, Run } from '../lib/types';

interface Props {
  campaign: Campaign;
  onClose: () => void;
  onLaunched: (run: Run) => void;
}

/** Modal form built from the campaign's parameters; POSTs a new run. */
export function LaunchDialog({ campaign, onClose, onLaunched }: Props) {
  const parameters = campaign.parameters ?? [];
  const [values, setValues] = useState<FormValues>(() => initialValues(parameters));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose, busy]);

  useEffect(() => {
    const first = formRef.current?.querySelector<HTMLElement>('input, select, textarea, button[type=submit]');
    first?.focus();
  }, []);

  const setValue = (name: string, value: string | boolean) => {
    setValues((v) => ({ ...v, [name]: value }));
    setFieldErrors((errs) => {
      if (!(name in errs)) return errs;
      const next = { ...errs };
      delete next[name];
      return next;
    });
  };

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const { values: typed, errors } = coerceValues(parameters, values);
    if (Object.keys(errors).length) {
      setFieldErrors(errors);
      setMessage(null);
      return;
    }
    setBusy(true);
    setMessage(null);
    setFieldErrors({});
    try {
      const run = await api.launchRun(campaign.id, typed);
      onLaunched(run);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        const mapped = serverErrors(
          err.body,
          parameters.map((p) => p.name),
          err.status,
        );
        setFieldErrors(mapped.fields);
        setMessage(mapped.message || null);
      } else {
        setMessage(err instanceof Error ? err.message : String(err));
      }
      setBusy(false);
    }
  };

  const titleId = `launch-title-${campaign.id}`;
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={titleId} data-testid="launch-dialog">
        <form ref={formRef} onSubmit={onSubmit} noValidate>
          <div className="modal-header">
            <h2 id={titleId}>Launch “{campaign.name}”</h2>
            <span className="muted">v{campaign.version}</span>
          </div>
          <div className="modal-body">
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
            {message && (
              <div className="form-error" role="alert" data-testid="launch-error">
                {message}
              </div>
            )}
          </div>
          <div className="modal-footer">
            <button type="button" className="btn" onClick={onClose} disabled={busy} data-testid="launch-cancel">
              Cancel
            </button>
            <button type="submit" className="btn btn-primary" disabled={busy} data-testid="launch-submit">
              {busy ? 'Launching…' : 'Launch run'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
