// Geometry helpers for the run timeline (seconds axis). No React.
import type { Segment } from './runState';

/** A "nice" tick step (1, 2 or 5 × 10^k seconds) giving about `target` ticks over `span`. */
export function niceStep(span: number, target = 6): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, target);
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const residual = raw / magnitude;
  let nice: number;
  if (residual <= 1) nice = 1;
  else if (residual <= 2) nice = 2;
  else if (residual <= 5) nice = 5;
  else nice = 10;
  return nice * magnitude;
}

/** Axis ticks (multiples of a nice step) within [min, max], in seconds. */
export function niceTicks(min: number, max: number, target = 6): number[] {
  const lo = Math.min(min, max);
  const hi = Math.max(min, max);
  const step = niceStep(hi - lo || 1, target);
  const first = Math.ceil(lo / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toFixed(6)) + 0);
    if (ticks.length > 1000) break;
  }
  return ticks.filter((t) => t >= lo - step * 1e-9);
}

export interface Domain {
  /** Seconds relative to origin. */
  min: number;
  max: number;
}

/**
 * Visible range in seconds relative to `origin`: starts at 0 (or earlier if
 * something was queued before the run start), ends at the last segment end or
 * `now`, with a small minimum width so a fresh run isn't a single pixel.
 */
export function timelineDomain(segments: readonly Segment[], origin: number, now: number | null, minSpan = 5): Domain {
  let min = 0;
  let max = now != null ? (now - origin) / 1000 : 0;
  for (const s of segments) {
    min = Math.min(min, (s.start - origin) / 1000);
    max = Math.max(max, (s.end - origin) / 1000);
  }
  if (max - min < minSpan) max = min + minSpan;
  return { min, max };
}

/** Horizontal placement of a segment in percent of the track width. */
export function segmentBox(segment: Segment, origin: number, domain: Domain): { left: number; width: number } {
  const span = domain.max - domain.min || 1;
  const start = (segment.start - origin) / 1000;
  const end = (segment.end - origin) / 1000;
  const left = ((start - domain.min) / span) * 100;
  const width = ((end - start) / span) * 100;
  return { left: clamp(left, 0, 100), width: clamp(width, 0, 100 - clamp(left, 0, 100)) };
}

/** Percent position of a tick. */
export function tickPosition(seconds: number, domain: Domain): number {
  const span = domain.max - domain.min || 1;
  return ((seconds - domain.min) / span) * 100;
}

/** Axis label: seconds from run start. */
export function formatTick(seconds: number): string {
  const v = Number(seconds.toFixed(3));
  return `${Object.is(v, -0) ? 0 : v}s`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
