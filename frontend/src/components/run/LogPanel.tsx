import { useLayoutEffect, useRef, useState } from 'react';
import { LOG_LINES_KEPT } from '../../lib/runState';

interface Props {
  runId: number;
  step: string | null;
  stepName: string | null;
  /** The step's stored log (up to LOG_LINES_KEPT lines), then its live `step.log` lines (useStepLog). */
  lines: readonly string[];
  active: boolean;
}

/** The selected step's output, following new lines unless the reader scrolled up. */
export function LogPanel({ runId, step, stepName, lines, active }: Props) {
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLPreElement>(null);

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines, follow, step]);

  const fullLog = step ? `/api/runs/${runId}/steps/${encodeURIComponent(step)}/log` : null;
  return (
    <section className="card log-card" data-testid="log-panel" data-step={step ?? ''}>
      <h2 className="card-title log-title">
        <span>
          Log {stepName && <span className="muted small">· {stepName}</span>}
          {step && active && <span className="muted small"> · live</span>}
        </span>
        {fullLog && (
          <a className="small" href={fullLog} target="_blank" rel="noreferrer" data-testid="log-full">
            Full log ↗
          </a>
        )}
      </h2>
      {!step ? (
        <p className="muted small">Select a step in the graph or the timeline to tail its output.</p>
      ) : (
        <>
          {lines.length >= LOG_LINES_KEPT && (
            <p className="muted small" data-testid="log-note">
              Showing the newest {LOG_LINES_KEPT} lines; the full log has the rest.
            </p>
          )}
          <pre
            className="code log-lines"
            ref={box}
            data-testid="log-lines"
            onScroll={(e) => {
              const el = e.currentTarget;
              setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
            }}
          >
            {lines.length ? lines.join('\n') : active ? '(no output yet)' : '(no output)'}
          </pre>
        </>
      )}
    </section>
  );
}
