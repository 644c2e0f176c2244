import { useEffect, useRef, useState } from 'react';
import { ApiError, errorText } from '../../lib/api';
import { useRunControl } from '../../lib/queries';
import { isRunTerminal } from '../../lib/runState';

interface Props {
  runId: number;
  state: string;
  /** A failed or cancelled step selected on the page: "Retry step" retries only it. */
  retryableStep: string | null;
  /** The display name of ``retryableStep``. */
  retryableStepName?: string | null;
}

function explain(err: unknown, what: string): string {
  if (err instanceof ApiError) {
    if (err.status === 404 || err.status === 405)
      return `${what} is not available on this server yet (HTTP ${err.status}).`;
    return `${what} failed: ${err.message}`;
  }
  return `${what} failed: ${errorText(err)}`;
}

/** Cancel a running run; retry a finished one (all failed steps, or the selected one). */
export function RunActions({ runId, state, retryableStep, retryableStepName }: Props) {
  const [busy, setBusy] = useState<string | null>(null);
  const { mutateAsync: control } = useRunControl(runId);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const terminal = isRunTerminal(state);
  // "Cancel requested." and "Retry started." say what is under way: once the run's state moves on, they are old news.
  useEffect(() => setDone(null), [state]);
  // The run's state now, for an answer that comes back after the live events already moved it on.
  const stateNow = useRef(state);
  stateNow.current = state;

  const act = async (what: string, call: () => Promise<unknown>) => {
    if (what === 'Cancel' && !window.confirm('Cancel this run? Running steps are stopped.')) return;
    setBusy(what);
    setError(null);
    setDone(null);
    const clickedIn = stateNow.current;
    try {
      await call();
      // A busy server can answer after the socket told the run's end: the request is then no news.
      if (stateNow.current === clickedIn) setDone(what === 'Cancel' ? 'Cancel requested.' : 'Retry started.');
    } catch (err) {
      setError(explain(err, what));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="run-actions">
      <button
        type="button"
        className="btn btn-small btn-danger-ghost"
        disabled={terminal || busy != null}
        onClick={() => void act('Cancel', () => control({ action: 'cancel' }))}
        data-testid="run-cancel"
        title={terminal ? 'The run has finished' : 'Stop the run'}
      >
        {busy === 'Cancel' ? 'Cancelling…' : 'Cancel'}
      </button>
      <button
        type="button"
        className="btn btn-small"
        disabled={!terminal || state === 'succeeded' || busy != null}
        onClick={() => void act('Retry', () => control({ action: 'retry' }))}
        data-testid="run-retry"
        title="Run the failed and cancelled steps again"
      >
        {busy === 'Retry' ? 'Retrying…' : 'Retry'}
      </button>
      {retryableStep && terminal && (
        <button
          type="button"
          className="btn btn-small"
          disabled={busy != null}
          onClick={() => void act('Retry', () => control({ action: 'retry', steps: [retryableStep] }))}
          data-testid="run-retry-step"
        >
          Retry {retryableStepName || retryableStep}
        </button>
      )}
      {error && (
        <span className="field-error small" role="alert" data-testid="run-action-error">
          {error}
        </span>
      )}
      {done && !error && (
        <span className="muted small" role="status">
          {done}
        </span>
      )}
    </div>
  );
}
