import { StateBadge } from './StateBadge';
import { durationBetween, formatDateTime, formatDuration, prettyJson } from '../lib/format';
import type { StepDetails as Details } from '../lib/runState';
import type { GraphStep } from '../lib/types';

interface Props {
  details: Details | null;
  step: GraphStep | undefined;
  onClose: () => void;
}

export function StepDetails({ details, step, onClose }: Props) {
  if (!details) {
    return (
      <div className="step-details empty-details" data-testid="step-details-empty">
        <p className="muted">Click a step in the graph or the timeline to see its details.</p>
      </div>
    );
  }
  const hasResult = details.result !== undefined && details.result !== null;
  const hasError = details.error !== undefined && details.error !== null && details.error !== '';
  return (
    <div className="step-details" data-testid="step-details" data-step={details.id} data-state={details.state}>
      <div className="step-details-header">
        <h3>
          {details.name} <span className="muted small">({details.id})</span>
        </h3>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose} aria-label="Close details">
          ×
        </button>
      </div>
      {hasError && (
        <div className="detail-block detail-error-first">
          <div className="detail-title">Why it failed</div>
          <pre className="code code-error" data-testid="step-error">
            {prettyJson(details.error)}
          </pre>
        </div>
      )}
      <dl className="kv">
        <dt>State</dt>
        <dd>
          <StateBadge state={details.state} testId="step-details-state" />
        </dd>
        {step && (
          <>
            <dt>Kind</dt>
            <dd>
              {step.kind}
              {step.function ? ` · ${step.function}` : ''}
              {step.argv?.length ? ` · ${step.argv.join(' ')}` : ''}
            </dd>
            {step.backend && (
              <>
                <dt>Backend</dt>
                <dd>{step.backend}</dd>
              </>
            )}
            <dt>Retries / timeout</dt>
            <dd>
              {step.retries ?? 0} / {step.timeout_s != null ? `${step.timeout_s} s` : '—'}
            </dd>
          </>
        )}
        <dt>Attempts</dt>
        <dd data-testid="step-details-attempts">{details.attemptCount}</dd>
        <dt>Queued</dt>
        <dd>{formatDateTime(details.queuedAt)}</dd>
        <dt>Started</dt>
        <dd>{formatDateTime(details.startedAt)}</dd>
        <dt>Finished</dt>
        <dd>{formatDateTime(details.finishedAt)}</dd>
        <dt>Duration</dt>
        <dd>
          {details.startedAt != null ? formatDuration(durationBetween(details.startedAt, details.finishedAt)) : '—'}
        </dd>
      </dl>

      {details.attempts.length > 0 && (
        <table className="table table-compact attempts">
          <thead>
            <tr>
              <th>#</th>
              <th>State</th>
              <th className="num">Waited</th>
              <th className="num">Ran</th>
            </tr>
          </thead>
          <tbody>
            {details.attempts.map((a) => (
              <tr key={a.attempt} title={a.error != null ? prettyJson(a.error) : undefined}>
                <td>{a.attempt}</td>
                <td>
                  <StateBadge state={a.state} />
                </td>
                <td className="num">
                  {a.queuedAt != null ? formatDuration(durationBetween(a.queuedAt, a.startedAt ?? a.finishedAt)) : '—'}
                </td>
                <td className="num">
                  {a.startedAt != null ? formatDuration(durationBetween(a.startedAt, a.finishedAt)) : '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <div className="detail-block">
        <div className="detail-title">Result</div>
        {hasResult ? (
          <pre className="code" data-testid="step-result">
            {prettyJson(details.result)}
          </pre>
        ) : details.resultTruncated ? (
          <div className="muted small">Loading the result (too large for live events)…</div>
        ) : (
          <div className="muted small">No result.</div>
        )}
      </div>
    </div>
  );
}
