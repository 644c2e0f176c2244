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

/** A lane of the timeline: a step, a block folded to one lane, or one item of a `for_each` step. */
export type TimelineRow =
  | { kind: 'step'; id: string; depth: number }
  | { kind: 'block'; id: string; name: string; steps: string[]; expanded: boolean }
  | { kind: 'item'; stepId: string; index: number };

export interface RowPlan {
  /** Top-level block of each step in one (nested blocks fold into their outermost one). */
  blockOf: Record<string, string>;
  blockNames: Record<string, string>;
  /** Item count of each `for_each` step that has items. */
  itemCounts: Record<string, number>;
  /** Block ids and `for_each` step ids the reader opened (or closed, when blocks start open). */
  toggled: ReadonlySet<string>;
  /** Whether blocks start folded (large runs). */
  blocksFolded: boolean;
}

/** Blocks fold to one lane by default once a run has more steps than this. */
export const BLOCKS_OPEN_UP_TO = 30;
/** Lanes drawn before "show all". */
export const ROWS_SHOWN = 40;

/** The outermost block of each step, from the graph's `block` and blocks' `parent`. */
export function topBlocks(
  steps: readonly { id: string; block?: string | null }[],
  blocks: readonly { id: string; name: string; parent?: string | null }[],
): { blockOf: Record<string, string>; blockNames: Record<string, string> } {
  const parent = new Map(blocks.map((b) => [b.id, b.parent ?? null]));
  const blockNames: Record<string, string> = {};
  for (const b of blocks) blockNames[b.id] = b.name || b.id;
  const blockOf: Record<string, string> = {};
  for (const s of steps) {
    let block = s.block ?? null;
    if (!block || !parent.has(block)) continue;
    for (let hops = 0; parent.get(block) && hops < blocks.length; hops++) block = parent.get(block)!;
    blockOf[s.id] = block;
  }
  return { blockOf, blockNames };
}

/** The lanes in step order: each block where its first step is, then (when open) its steps. */
export function timelineRows(stepOrder: readonly string[], plan: RowPlan): TimelineRow[] {
  const members = new Map<string, string[]>();
  for (const id of stepOrder) {
    const block = plan.blockOf[id];
    if (block) members.set(block, [...(members.get(block) ?? []), id]);
  }
  const rows: TimelineRow[] = [];
  const stepRow = (id: string, depth: number) => {
    rows.push({ kind: 'step', id, depth });
    const count = plan.itemCounts[id] ?? 0;
    if (count && plan.toggled.has(id))
      for (let index = 0; index < count; index++) rows.push({ kind: 'item', stepId: id, index });
  };
  const seen = new Set<string>();
  for (const id of stepOrder) {
    const block = plan.blockOf[id];
    if (!block) {
      stepRow(id, 0);
      continue;
    }
    if (seen.has(block)) continue;
    seen.add(block);
    const expanded = plan.blocksFolded === plan.toggled.has(block);
    const steps = members.get(block) ?? [];
    rows.push({ kind: 'block', id: block, name: plan.blockNames[block] ?? block, steps, expanded });
    if (expanded) for (const s of steps) stepRow(s, 1);
  }
  return rows;
}
