import { useMemo } from 'react';
import { useNow } from '../hooks';
import { formatDuration } from '../lib/format';
import {
  displayStepState,
  hasOpenSegments,
  runSegments,
  timelineNow,
  timelineOrigin,
  type RunView,
  type Segment,
} from '../lib/runState';
import { formatTick, niceTicks, segmentBox, tickPosition, timelineDomain } from '../lib/timeline';

interface Props {
  view: RunView;
  selected: string | null;
  onSelect: (stepId: string) => void;
}

function clock(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Seconds, at most one decimal: "4 s", "1.5 s". */
export function waitSeconds(ms: number): string {
  return `${Number((Math.max(0, ms) / 1000).toFixed(1))} s`;
}

function segmentTitle(name: string, s: Segment, error: unknown): string {
  const what =
    s.kind === 'queued'
      ? 'queued'
      : s.kind === 'waiting'
        ? `waiting in ${s.backend}: ${waitSeconds(s.end - s.start)}`
        : s.open
          ? 'running'
          : s.state;
  const lines = [
    `${name} · attempt ${s.attempt} · ${what}`,
    `${clock(s.start)} → ${s.open ? 'now' : clock(s.end)} (${formatDuration(s.end - s.start)}${s.open ? ', ongoing' : ''})`,
  ];
  if (s.kind !== 'queued' && error != null && error !== '') {
    lines.push(`error: ${typeof error === 'string' ? error : JSON.stringify(error)}`);
  }
  return lines.join('\n');
}

/** One row per step, one bar per attempt (queued part + running part), seconds from run start. */
export function Timeline({ view, selected, onSelect }: Props) {
  const growing = hasOpenSegments(view);
  const clientNow = useNow(growing);
  const now = timelineNow(view, clientNow);
  const origin = timelineOrigin(view);

  const segments = useMemo(() => runSegments(view, now), [view, now]);
  const all = useMemo(() => Object.values(segments).flat(), [segments]);
  // A growing run keeps some room on the right; a finished one fits its bars.
  const domain =
    origin != null ? timelineDomain(all, origin, growing ? now : null, growing ? 5 : 0.5) : { min: 0, max: 5 };
  const ticks = niceTicks(domain.min, domain.max, 8);
  const waiting = all.some((s) => s.kind === 'waiting');

  return (
    <div className="timeline" data-testid="timeline">
      <div className="tl-row tl-axis-row" aria-hidden="true">
        <div className="tl-label" />
        <div className="tl-track tl-axis">
          {ticks.map((t) => (
            <span key={t} className="tl-tick" style={{ left: `${tickPosition(t, domain)}%` }}>
              {formatTick(t)}
            </span>
          ))}
        </div>
      </div>
      {view.stepOrder.map((id) => {
        const step = view.steps[id];
        const state = displayStepState(view, id);
        const segs = segments[id] ?? [];
        return (
          <div
            key={id}
            className={`tl-row tl-step${selected === id ? ' is-selected' : ''}`}
            data-testid={`timeline-row-${id}`}
            data-state={state}
            onClick={() => onSelect(id)}
            role="button"
            tabIndex={0}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                onSelect(id);
              }
            }}
          >
            <div className="tl-label" title={`${step?.name ?? id} (${id})`}>
              <span className={`tl-dot state-${state}`} aria-hidden="true" />
              <span className="tl-name">{step?.name ?? id}</span>
            </div>
            <div className="tl-track">
              {ticks.map((t) => (
                <span key={t} className="tl-grid" style={{ left: `${tickPosition(t, domain)}%` }} />
              ))}
              {origin != null &&
                segs.map((s) => {
                  const box = segmentBox(s, origin, domain);
                  return (
                    <div
                      key={`${s.attempt}-${s.kind}`}
                      className={`tl-seg tl-${s.kind} state-${s.state}${s.open ? ' is-open' : ''}`}
                      style={{ left: `${box.left}%`, width: `${box.width}%` }}
                      title={segmentTitle(
                        step?.name ?? id,
                        s,
                        step?.attempts.find((a) => a.attempt === s.attempt)?.error,
                      )}
                      data-testid={`segment-${id}-${s.attempt}-${s.kind}`}
                      data-state={s.state}
                    />
                  );
                })}
            </div>
          </div>
        );
      })}
      {origin == null && <div className="tl-empty muted">No activity yet.</div>}
      {waiting && <TimelineLegend />}
    </div>
  );
}

/** Shown once some step waited inside an HPC backend, to tell that part from the run time. */
function TimelineLegend() {
  return (
    <div className="tl-legend small muted" data-testid="timeline-legend">
      <span>
        <span className="tl-swatch tl-queued" /> queued
      </span>
      <span>
        <span className="tl-swatch tl-waiting" /> waiting in backend (pilot / cluster)
      </span>
      <span>
        <span className="tl-swatch tl-running" /> executing
      </span>
    </div>
  );
}
