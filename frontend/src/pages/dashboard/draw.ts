// Canvas drawing of the dashboard timeline. Only the rows in view are drawn;
// nothing here allocates per step, so a frame with thousands of bars stays cheap.
import { stepBar, type Row } from '../../lib/dashboardStore';
import { niceStep } from '../../lib/timeline';

export const ROW_HEIGHT = 22;
export const LABEL_WIDTH = 300;
export const AXIS_HEIGHT = 26;

export interface Palette {
  [state: string]: string;
}

export interface View {
  /** Epoch ms at the left and right edges. */
  left: number;
  right: number;
  width: number;
  height: number;
  scrollTop: number;
  hoverRow: number;
  highlightBatch: number | null;
  now: number;
}

const STATES = ['pending', 'queued', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'];

export function readPalette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const get = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  const out: Palette = {
    grid: get('--border', '#e3e6eb'),
    band: get('--band', 'rgba(0,0,0,0.04)'),
    hover: get('--hover', 'rgba(37,99,235,0.08)'),
    text: get('--muted', '#6b7480'),
    now: get('--primary', '#2563eb'),
    highlight: get('--highlight', 'rgba(250,204,21,0.18)'),
  };
  for (const s of STATES) out[s] = get(`--st-${s}`, '#999');
  out.queued = get('--st-queued-bar', out.queued);
  return out;
}

export function timeToX(t: number, view: View): number {
  return ((t - view.left) / (view.right - view.left)) * view.width;
}

export function drawRows(ctx: CanvasRenderingContext2D, rows: readonly Row[], view: View, palette: Palette): number {
  const { width, height, scrollTop } = view;
  ctx.clearRect(0, 0, width, height);
  const span = view.right - view.left;
  const step = niceStep(span / 1000, 8) * 1000;
  ctx.fillStyle = palette.grid;
  for (let t = Math.ceil(view.left / step) * step; t <= view.right; t += step) {
    ctx.fillRect(Math.round(timeToX(t, view)), 0, 1, height);
  }
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT));
  const last = Math.min(rows.length - 1, Math.ceil((scrollTop + height) / ROW_HEIGHT));
  let bars = 0;
  for (let i = first; i <= last; i++) {
    const row = rows[i];
    const y = i * ROW_HEIGHT - scrollTop;
    if (row.kind !== 'run') {
      ctx.fillStyle = palette.band;
      ctx.fillRect(0, y, width, ROW_HEIGHT);
      if (row.kind === 'batch' && row.batch === view.highlightBatch) {
        ctx.fillStyle = palette.highlight;
        ctx.fillRect(0, y, width, ROW_HEIGHT);
      }
      continue;
    }
    if (i === view.hoverRow) {
      ctx.fillStyle = palette.hover;
      ctx.fillRect(0, y, width, ROW_HEIGHT);
    }
    for (const s of row.run.steps) {
      const bar = stepBar(s, view.now);
      if (!bar || bar.end < view.left || bar.start > view.right) continue;
      const x0 = Math.max(-1, timeToX(bar.start, view));
      const x1 = Math.min(width + 1, timeToX(bar.end, view));
      ctx.fillStyle = s.state === 'queued' ? palette.queued : (palette[s.state] ?? palette.pending);
      ctx.fillRect(x0 + 0.5, y + 4, Math.max(2, x1 - x0 - 1), ROW_HEIGHT - 8);
      bars++;
    }
  }
  const nowX = timeToX(view.now, view);
  if (nowX >= 0 && nowX <= width) {
    ctx.fillStyle = palette.now;
    ctx.fillRect(Math.round(nowX), 0, 1, height);
  }
  return bars;
}

function clock(t: number, step: number): string {
  const d = new Date(t);
  const pad = (n: number) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return step < 60000 ? `${hm}:${pad(d.getSeconds())}` : hm;
}

export function drawAxis(ctx: CanvasRenderingContext2D, view: View, palette: Palette): void {
  const { width } = view;
  ctx.clearRect(0, 0, width, AXIS_HEIGHT);
  const span = view.right - view.left;
  const step = niceStep(span / 1000, 8) * 1000;
  ctx.fillStyle = palette.text;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (let t = Math.ceil(view.left / step) * step; t <= view.right; t += step) {
    const x = Math.round(timeToX(t, view));
    ctx.fillRect(x, AXIS_HEIGHT - 6, 1, 6);
    const label = clock(t, step);
    const w = ctx.measureText(label).width;
    if (x - w / 2 > 0 && x + w / 2 < width) ctx.fillText(label, x - w / 2, AXIS_HEIGHT / 2 - 2);
  }
}

/** The step under the pointer (x in canvas pixels) in a run row, if any. */
export function stepAt(row: Row | undefined, x: number, view: View) {
  if (!row || row.kind !== 'run') return null;
  for (const s of row.run.steps) {
    const bar = stepBar(s, view.now);
    if (!bar) continue;
    const x0 = timeToX(bar.start, view);
    const x1 = Math.max(x0 + 3, timeToX(bar.end, view));
    if (x >= x0 - 1 && x <= x1 + 1) return s;
  }
  return null;
}
