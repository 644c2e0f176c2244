import { useMemo, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useWindowedRows } from './run/useWindowedRows';
import { useNow } from '../hooks';
import { formatDuration } from '../lib/format';
import {
  displayStepState,
  hasOpenSegments,
  itemSegments,
  runSegments,
  timelineNow,
  timelineOrigin,
  type RunView,
  type Segment,
} from '../lib/runState';
import {
  BLOCKS_OPEN_UP_TO,
  ROWS_SHOWN,
  formatTick,
  niceTicks,
  segmentBox,
  tickPosition,
  timelineDomain,
  timelineRows,
  topBlocks,
  type Domain,
  type TimelineRow,
} from '../lib/timeline';
import type { Graph, StepState } from '../lib/types';

interface Props {
  view: RunView;
  /** The run's graph: its blocks fold to one lane each. */
  graph?: Graph;
  /** Each block's state, as the server folds it from its steps' (`useBlockStates`); a block not in it is pending. */
  blockStates?: Readonly<Record<string, StepState>>;
  selected: string | null;
  onSelect: (stepId: string) => void;
}

/** Lanes are this tall (CSS `.tl-lane`): the windowed list places them by this number. */
export const LANE_HEIGHT = 30;
/** Up to this many lanes are all in the DOM (find-in-page sees them); past it only those in view are. */
export const LANES_RENDERED_IN_FULL = 200;

/** Keys on a lane: Enter/Space act on it, arrows, Home and End move between lanes (scrolling one into view). */
function laneKeys(index: number, count: number, focusRow: (index: number) => void, handler: () => void) {
  return (e: KeyboardEvent) => {
    const target = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: count - 1 }[e.key];
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      handler();
    } else if (target !== undefined) {
      e.preventDefault();
      focusRow(Math.max(0, Math.min(count - 1, target)));
    }
  };
}

// toLocaleTimeString builds a formatter per call (most of a 2000-lane timeline's render time went there): one, kept.
const TIME_OF_DAY = new Intl.DateTimeFormat([], {
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
  hour12: false,
});

function clock(ms: number): string {
  const d = new Date(ms);
  return `${TIME_OF_DAY.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
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

/**
 * One lane per step (a block folds to one lane in a large run, a `for_each`
 * step's items open under it), a bar per attempt (queued part + running part),
 * seconds from run start. Past ROWS_SHOWN lanes the rest wait behind "show all"; past
 * LANES_RENDERED_IN_FULL only the lanes in view are in the DOM (a 10,000-step run stays light).
 */
export function Timeline({ view, graph, blockStates = {}, selected, onSelect }: Props) {
  const growing = hasOpenSegments(view);
  const clientNow = useNow(growing);
  const now = timelineNow(view, clientNow);
  const origin = timelineOrigin(view);
  const [toggled, setToggled] = useState<ReadonlySet<string>>(() => new Set());
  const [showAll, setShowAll] = useState(false);
  const toggle = (id: string) =>
    setToggled((cur) => {
      const next = new Set(cur);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  const segments = useMemo(() => runSegments(view, now), [view, now]);
  const all = useMemo(() => Object.values(segments).flat(), [segments]);
  // A growing run keeps some room on the right; a finished one fits its bars.
  const domain =
    origin != null ? timelineDomain(all, origin, growing ? now : null, growing ? 5 : 0.5) : { min: 0, max: 5 };
  const ticks = niceTicks(domain.min, domain.max, 8);
  const waiting = all.some((s) => s.kind === 'waiting');

  const { blockOf, blockNames } = useMemo(() => topBlocks(graph?.steps ?? [], graph?.blocks ?? []), [graph]);
  const itemCounts = useMemo(
    () => Object.fromEntries(Object.entries(view.items).map(([id, items]) => [id, items.length])),
    [view.items],
  );
  // Kept across renders: a scroll of the windowed lanes re-renders without re-planning 10,000 rows.
  const rows = useMemo(
    () =>
      timelineRows(view.stepOrder, {
        blockOf,
        blockNames,
        itemCounts,
        toggled,
        blocksFolded: view.stepOrder.length > BLOCKS_OPEN_UP_TO,
      }),
    [view.stepOrder, blockOf, blockNames, itemCounts, toggled],
  );
  const shown = showAll ? rows : rows.slice(0, ROWS_SHOWN);
  const windowed = useWindowedRows(shown.length, LANE_HEIGHT, shown.length > LANES_RENDERED_IN_FULL);
  const keys = (index: number, handler: () => void) => laneKeys(index, shown.length, windowed.focusRow, handler);

  const grid = ticks.map((t) => <span key={t} className="tl-grid" style={{ left: `${tickPosition(t, domain)}%` }} />);
  const bars = (id: string, segs: Segment[], name: string, testId: (s: Segment) => string | undefined) =>
    origin != null &&
    segs.map((s) => (
      <SegmentBar
        key={`${id}-${s.attempt}-${s.kind}`}
        segment={s}
        origin={origin}
        domain={domain}
        title={segmentTitle(name, s, view.steps[s.stepId]?.attempts.find((a) => a.attempt === s.attempt)?.error)}
        testId={testId(s)}
      />
    ));

  const lane = (row: TimelineRow, index: number): ReactNode => {
    if (row.kind === 'block') {
      const state = blockStates[row.id] ?? 'pending';
      const done = row.steps.filter((id) => displayStepState(view, id) === 'succeeded').length;
      return (
        <div
          key={`block-${row.id}`}
          className="tl-row tl-step tl-lane tl-block"
          data-testid={`timeline-block-${row.id}`}
          data-row-index={index}
          data-state={state}
          data-expanded={row.expanded}
          aria-expanded={row.expanded}
          onClick={() => toggle(row.id)}
          onKeyDown={keys(index, () => toggle(row.id))}
          role="button"
          tabIndex={0}
        >
          <div className="tl-label" title={`${row.name}: ${row.steps.length} steps`}>
            <span className="tl-caret" aria-hidden="true">
              {row.expanded ? '▾' : '▸'}
            </span>
            <span className={`tl-dot state-${state}`} aria-hidden="true" />
            <span className="tl-name">{row.name}</span>
            <span className="tl-count muted small">
              {done}/{row.steps.length}
            </span>
          </div>
          <div className="tl-track">
            {grid}
            {row.steps.map((id) => bars(id, segments[id] ?? [], view.steps[id]?.name ?? id, () => undefined))}
          </div>
        </div>
      );
    }
    if (row.kind === 'item') {
      const item = view.items[row.stepId]?.[row.index];
      const name = `${view.steps[row.stepId]?.name ?? row.stepId} [item ${row.index}]`;
      return (
        <div
          key={`item-${row.stepId}-${row.index}`}
          className={`tl-row tl-step tl-lane tl-item${selected === row.stepId ? ' is-selected' : ''}`}
          data-testid={`timeline-item-${row.stepId}-${row.index}`}
          data-row-index={index}
          data-state={item?.state ?? 'pending'}
          onClick={() => onSelect(row.stepId)}
          onKeyDown={keys(index, () => onSelect(row.stepId))}
          role="button"
          tabIndex={0}
        >
          <div className="tl-label" title={name}>
            <span className={`tl-dot state-${item?.state ?? 'pending'}`} aria-hidden="true" />
            <span className="tl-name">item {row.index}</span>
          </div>
          <div className="tl-track">
            {grid}
            {item && bars(row.stepId, itemSegments(row.stepId, item, now), name, () => undefined)}
          </div>
        </div>
      );
    }
    const id = row.id;
    const step = view.steps[id];
    const state = displayStepState(view, id);
    const items = view.items[id];
    const itemsOpen = toggled.has(id);
    return (
      <div
        key={id}
        className={`tl-row tl-step tl-lane${selected === id ? ' is-selected' : ''}${row.depth ? ' tl-nested' : ''}`}
        data-testid={`timeline-row-${id}`}
        data-row-index={index}
        data-state={state}
        onClick={() => onSelect(id)}
        role="button"
        tabIndex={0}
        onKeyDown={keys(index, () => onSelect(id))}
      >
        <div className="tl-label" title={`${step?.name ?? id} (${id})`}>
          <span className={`tl-dot state-${state}`} aria-hidden="true" />
          <span className="tl-name">{step?.name ?? id}</span>
          {items && items.length > 0 && (
            <button
              type="button"
              className="tl-items-toggle small"
              data-testid={`timeline-items-${id}`}
              aria-expanded={itemsOpen}
              title={itemsOpen ? 'Hide the items' : 'Show one lane per item'}
              onClick={(e) => {
                e.stopPropagation();
                toggle(id);
              }}
              onKeyDown={(e) => e.stopPropagation()}
            >
              {itemsOpen ? '▾' : '▸'} {items.filter((i) => i.state === 'succeeded').length}/{items.length}
            </button>
          )}
        </div>
        <div className="tl-track">
          {grid}
          {bars(id, segments[id] ?? [], step?.name ?? id, (s) => `segment-${id}-${s.attempt}-${s.kind}`)}
        </div>
      </div>
    );
  };

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
      <div
        className="tl-lanes"
        ref={windowed.listRef}
        data-testid="timeline-lanes"
        data-lanes={shown.length}
        style={{ paddingTop: windowed.padTop, paddingBottom: windowed.padBottom }}
      >
        {shown.slice(windowed.range.start, windowed.range.end).map((row, i) => lane(row, windowed.range.start + i))}
      </div>
      {rows.length > shown.length && (
        <button
          type="button"
          className="btn btn-small tl-show-all"
          data-testid="timeline-show-all"
          onClick={() => setShowAll(true)}
        >
          Show all {rows.length} lanes ({rows.length - shown.length} more)
        </button>
      )}
      {showAll && rows.length > ROWS_SHOWN && (
        <button
          type="button"
          className="btn btn-small tl-show-all"
          data-testid="timeline-show-fewer"
          onClick={() => setShowAll(false)}
        >
          Show the first {ROWS_SHOWN} lanes
        </button>
      )}
      {origin == null && <div className="tl-empty muted">No activity yet.</div>}
      {waiting && <TimelineLegend />}
    </div>
  );
}

function SegmentBar({
  segment: s,
  origin,
  domain,
  title,
  testId,
}: {
  segment: Segment;
  origin: number;
  domain: Domain;
  title: string;
  testId?: string;
}) {
  const box = segmentBox(s, origin, domain);
  return (
    <div
      className={`tl-seg tl-${s.kind} state-${s.state}${s.open ? ' is-open' : ''}`}
      style={{ left: `${box.left}%`, width: `${box.width}%` }}
      title={title}
      data-testid={testId}
      data-state={s.state}
    />
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
