import { resourcesSummary } from '../../lib/backends';
import type { BackendStatus } from '../../lib/types';
import { useBackends } from './useBackends';

function BackendEntry({ b }: { b: BackendStatus }) {
  const status = b.up ? 'up' : 'down';
  const resources = resourcesSummary(b.resources);
  return (
    <li className={`backend-entry is-${status}`} data-testid={`backend-${b.name}`} data-status={status}>
      <span className="backend-name">{b.name}</span>
      <span className={`backend-badge is-${status}`} title={b.error ?? b.state}>
        {status}
      </span>
      <span className="backend-counts small" title="Celery queue depth · steps queued · steps running">
        queue <b>{b.queue_depth}</b> · queued <b>{b.queued_steps}</b> · running <b>{b.running_steps}</b>
      </span>
      {resources && (
        <span className="backend-resources small muted" title={resources}>
          {resources}
        </span>
      )}
      {!b.up && (b.error || b.state) && (
        <span className="backend-error small" data-testid={`backend-${b.name}-error`}>
          {b.error || b.state}
        </span>
      )}
    </li>
  );
}

/** Execution backends (thread, radical, dask): up or down, and how much work waits for them. */
export function BackendsPanel({ refreshMs, activeSteps }: { refreshMs?: number; activeSteps?: number }) {
  const { backends, error } = useBackends(refreshMs, activeSteps);
  return (
    <section className="backends-panel" data-testid="backends-panel" aria-label="Execution backends">
      <span className="backends-title small muted">Backends</span>
      {backends == null && !error && <span className="small muted">loading…</span>}
      {error && (
        <span className="small form-error-inline" role="alert">
          backends: {error}
        </span>
      )}
      {backends && (
        <ul className="backends-list">
          {backends.map((b) => (
            <BackendEntry key={b.name} b={b} />
          ))}
        </ul>
      )}
    </section>
  );
}
