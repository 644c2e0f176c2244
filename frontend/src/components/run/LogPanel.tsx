import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { ApiError, api } from '../../lib/api';

interface Props {
  runId: number;
  step: string | null;
  stepName: string | null;
  /** Lines of this step that arrived as live `step.log` events. */
  liveLines: readonly string[];
  active: boolean;
}

const TAIL = 500;

/** The selected step's output: the stored tail, then live lines as they arrive. */
export function LogPanel({ runId, step, stepName, liveLines, active }: Props) {
  const [stored, setStored] = useState<string[] | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [liveFrom, setLiveFrom] = useState(0);
  const [follow, setFollow] = useState(true);
  const box = useRef<HTMLPreElement>(null);
  const liveCount = useRef(0);
  liveCount.current = liveLines.length;

  useEffect(() => {
    setStored(null);
    setNote(null);
    if (!step) return;
    const ctrl = new AbortController();
    // Live lines received before the tail was read are already in it.
    const before = liveCount.current;
    api
      .stepLog(runId, step, TAIL, ctrl.signal)
      .then((text) => {
        setStored(text ? text.replace(/\n$/, '').split('\n') : []);
        setLiveFrom(before);
      })
      .catch((err) => {
        if (ctrl.signal.aborted) return;
        setStored([]);
        setLiveFrom(0);
        setNote(
          err instanceof ApiError && err.status === 404
            ? 'Stored logs are not available from this server; showing live output only.'
            : `Could not read the log: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
    return () => ctrl.abort();
  }, [runId, step]);

  const lines = step ? [...(stored ?? []), ...liveLines.slice(liveFrom)] : [];

  useLayoutEffect(() => {
    if (follow && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length, follow]);

  return (
    <section className="card log-card" data-testid="log-panel" data-step={step ?? ''}>
      <h2 className="card-title">
        Log {stepName && <span className="muted small">· {stepName}</span>}
        {step && active && <span className="muted small"> · live</span>}
      </h2>
      {!step ? (
        <p className="muted small">Select a step to tail its output.</p>
      ) : (
        <>
          {note && <p className="muted small" data-testid="log-note">{note}</p>}
          <pre
            className="code log-lines"
            ref={box}
            data-testid="log-lines"
            onScroll={(e) => {
              const el = e.currentTarget;
              setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < 24);
            }}
          >
            {stored == null ? 'Loading…' : lines.length ? lines.join('\n') : '(no output yet)'}
          </pre>
        </>
      )}
    </section>
  );
}
