import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { DashboardStore, DashStep, Row } from '../../lib/dashboardStore';
import { formatDateTime, formatDuration } from '../../lib/format';
import { AXIS_HEIGHT, drawAxis, drawRows, LABEL_WIDTH, readPalette, ROW_HEIGHT, stepAt, type View } from './draw';
import { BENCH_BUILD } from '../../lib/bench';
import { Truncated } from '../../components/Truncated';

interface Props {
  store: DashboardStore;
  rows: Row[];
  /** The store's snapshot (once per frame with changes): labels re-render then. */
  version: number;
  windowMs: number;
  follow: boolean;
  highlightBatch: number | null;
  /** Fold or unfold a run's child runs (workflow steps). */
  onToggleChildren?: (runId: number) => void;
}

declare global {
  interface Window {
    __dashPerf?: { firstDataPaint: number | null; draws: number[]; bars: number; events: number };
  }
}

function sizeCanvas(canvas: HTMLCanvasElement, width: number, height: number) {
  const dpr = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

const RowLabel = memo(function RowLabel({
  row,
  top,
  steps,
  highlight,
  onToggle,
}: {
  row: Row;
  top: number;
  steps: string;
  highlight: boolean;
  onToggle?: (runId: number) => void;
}) {
  if (row.kind === 'campaign') {
    return (
      <div className="dash-label dash-label-campaign" style={{ top }} data-testid={`dash-campaign-${row.campaign}`}>
        <Truncated text={row.name} className="strong" />{' '}
        <span className="muted small">
          {row.runs} run{row.runs === 1 ? '' : 's'}
        </span>
      </div>
    );
  }
  if (row.kind === 'batch') {
    return (
      <div
        className={`dash-label dash-label-batch${highlight ? ' is-highlighted' : ''}`}
        style={{ top }}
        data-testid={`dash-batch-${row.batch}`}
      >
        batch #{row.batch}{' '}
        <span className="muted small">
          · {row.runs} runs · {row.owner}
        </span>
      </div>
    );
  }
  const r = row.run;
  return (
    <div
      className={`dash-label dash-label-run${row.nested ? ' nested' : ''}`}
      data-testid={`dash-run-${r.id}`}
      data-state={r.state}
      data-steps={steps}
      style={{ top, paddingLeft: row.depth ? `${row.depth * 12}px` : undefined }}
    >
      {row.children ? (
        <button
          type="button"
          className="dash-fold"
          onClick={() => onToggle?.(r.id)}
          aria-expanded={!!row.expanded}
          title={`${row.children} child run${row.children === 1 ? '' : 's'}`}
          data-testid={`dash-fold-${r.id}`}
        >
          {row.expanded ? '▾' : '▸'} {row.children}
        </button>
      ) : null}
      <span className={`tl-dot state-${r.state}`} aria-hidden="true" />
      <Link to={`/runs/${r.id}`} data-testid={`dash-run-link-${r.id}`}>
        #{r.id}
      </Link>
      <span className="dash-run-label" title={r.label}>
        {r.label || <span className="muted">—</span>}
      </span>
      <span className="muted small dash-run-owner">{r.owner}</span>
    </div>
  );
});

const LABEL_SLOTS = 256;

/** Every run on one time axis: labels are DOM (only rows in view), bars are drawn on a canvas. */
export function DashboardTimeline({ store, rows, version, windowMs, follow, highlightBatch, onToggleChildren }: Props) {
  const navigate = useNavigate();
  const bodyRef = useRef<HTMLDivElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const barsRef = useRef<HTMLCanvasElement>(null);
  const axisRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ width: 900, height: 500 });
  const [scrollTop, setScrollTop] = useState(0);
  const [hover, setHover] = useState<{ row: number; x: number; y: number; step: DashStep | null } | null>(null);
  const frozenRight = useRef<number | null>(null);

  // Everything the animation loop reads lives in a ref, so the loop never restarts.
  const live = useRef({ rows, windowMs, follow, scrollTop, hoverRow: -1, highlightBatch, size, dirty: true });
  live.current = {
    ...live.current,
    rows,
    windowMs,
    follow,
    scrollTop,
    hoverRow: hover?.row ?? -1,
    highlightBatch,
    size,
    dirty: true,
  };

  useLayoutEffect(() => {
    const el = bodyRef.current;
    if (!el) return;
    const measure = () =>
      setSize({ width: Math.max(200, el.clientWidth - LABEL_WIDTH), height: Math.max(100, el.clientHeight) });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    if (!follow && frozenRight.current == null) frozenRight.current = Date.now() + store.clockSkew;
    if (follow) frozenRight.current = null;
  }, [follow, store]);

  const viewRef = useRef<View | null>(null);
  useEffect(() => {
    let palette = readPalette();
    const onTheme = () => {
      palette = readPalette();
      live.current.dirty = true;
    };
    window.addEventListener('asyncflow-theme', onTheme);
    if (BENCH_BUILD) window.__dashPerf = window.__dashPerf ?? { firstDataPaint: null, draws: [], bars: 0, events: 0 };
    let frame = 0;
    let lastVersion = -1;
    let lastDraw = 0;
    const loop = (ts: number) => {
      frame = requestAnimationFrame(loop);
      const l = live.current;
      const moving = l.follow && ts - lastDraw > 50;
      if (!l.dirty && store.version === lastVersion && !moving) return;
      const t0 = performance.now();
      const now = Date.now() + store.clockSkew;
      const right = l.follow ? now + l.windowMs * 0.03 : (frozenRight.current ?? now);
      const view: View = {
        left: right - l.windowMs,
        right,
        width: l.size.width,
        height: l.size.height,
        scrollTop: l.scrollTop,
        hoverRow: l.hoverRow,
        highlightBatch: l.highlightBatch,
        now,
      };
      viewRef.current = view;
      const barsCtx = barsRef.current && sizeCanvas(barsRef.current, view.width, view.height);
      const axisCtx = axisRef.current && sizeCanvas(axisRef.current, view.width, AXIS_HEIGHT);
      if (!barsCtx || !axisCtx) return;
      const drawn = drawRows(barsCtx, l.rows, view, palette);
      barsRef.current!.dataset.bars = String(drawn);
      drawAxis(axisCtx, view, palette);
      const perf = BENCH_BUILD ? window.__dashPerf : undefined;
      if (perf) {
        perf.draws.push(performance.now() - t0);
        if (perf.draws.length > 5000) perf.draws.splice(0, perf.draws.length - 5000);
        perf.bars = drawn;
        if (perf.firstDataPaint == null && drawn > 0) perf.firstDataPaint = performance.now();
      }
      l.dirty = false;
      lastVersion = store.version;
      lastDraw = ts;
    };
    frame = requestAnimationFrame(loop);
    return () => {
      cancelAnimationFrame(frame);
      window.removeEventListener('asyncflow-theme', onTheme);
    };
  }, [store]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 5);
  const last = Math.min(rows.length, Math.ceil((scrollTop + size.height) / ROW_HEIGHT) + 5);
  const visible = rows.slice(first, last);

  const pointAt = (e: React.MouseEvent) => {
    const rect = scrollRef.current!.getBoundingClientRect();
    const x = e.clientX - rect.left - LABEL_WIDTH;
    const y = e.clientY - rect.top;
    const row = Math.floor((y + scrollTop) / ROW_HEIGHT);
    return { x, y, row };
  };

  const hovered = hover ? rows[hover.row] : undefined;
  return (
    <div className="dash-timeline" data-testid="dashboard-timeline" data-rows={rows.length} data-version={version}>
      <div className="dash-axis-row">
        <div className="dash-label-head" style={{ width: LABEL_WIDTH }}>
          Run <span className="muted small">(campaign › batch › run)</span>
        </div>
        <canvas ref={axisRef} className="dash-axis" data-testid="dashboard-axis" />
      </div>
      <div className="dash-body" ref={bodyRef}>
        <canvas ref={barsRef} className="dash-bars" style={{ left: LABEL_WIDTH }} data-testid="dashboard-canvas" />
        <div
          className="dash-scroll"
          ref={scrollRef}
          onScroll={(e) => setScrollTop((e.target as HTMLDivElement).scrollTop)}
          onMouseMove={(e) => {
            const p = pointAt(e);
            if (p.x < 0) return setHover(null);
            const step = viewRef.current ? stepAt(rows[p.row], p.x, viewRef.current) : null;
            setHover({ row: p.row, x: p.x, y: p.y, step });
          }}
          onMouseLeave={() => setHover(null)}
          onClick={(e) => {
            const p = pointAt(e);
            const row = rows[p.row];
            if (p.x >= 0 && row?.kind === 'run') navigate(`/runs/${row.run.id}`);
          }}
        >
          <div className="dash-content" style={{ height: rows.length * ROW_HEIGHT }}>
            <div className="dash-labels" style={{ width: LABEL_WIDTH }}>
              {visible.map((row, i) => (
                <RowLabel
                  // Keyed by slot, not by row: scrolling reuses the same DOM nodes instead of mounting new ones.
                  key={(first + i) % LABEL_SLOTS}
                  row={row}
                  top={(first + i) * ROW_HEIGHT}
                  steps={row.kind === 'run' ? row.run.steps.map((s) => s.state).join(',') : ''}
                  highlight={row.kind === 'batch' && row.batch === highlightBatch}
                  onToggle={onToggleChildren}
                />
              ))}
            </div>
          </div>
        </div>
        {hover && hovered?.kind === 'run' && (
          <div
            className="dash-tooltip"
            style={{ left: Math.min(LABEL_WIDTH + hover.x + 14, LABEL_WIDTH + size.width - 260), top: hover.y + 16 }}
            data-testid="dashboard-tooltip"
          >
            <div className="strong">
              #{hovered.run.id} {hovered.run.campaignName} <span className="muted">{hovered.run.label}</span>
            </div>
            <div>
              run <b>{hovered.run.state}</b>
            </div>
            {hover.step && (
              <div className="dash-tooltip-step">
                {hover.step.name} ({hover.step.id}): <b>{hover.step.state}</b>
                {hover.step.attempts > 1 && <> · {hover.step.attempts} attempts</>}
                <br />
                queued {formatDateTime(hover.step.queued)} · started {formatDateTime(hover.step.started)}
                <br />
                {hover.step.started != null && (
                  <>ran {formatDuration((hover.step.finished ?? Date.now() + store.clockSkew) - hover.step.started)}</>
                )}
              </div>
            )}
            <div className="muted small">click to open the run</div>
          </div>
        )}
      </div>
    </div>
  );
}
