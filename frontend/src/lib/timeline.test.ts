import { describe, expect, it } from 'vitest';
import {
  formatTick,
  niceStep,
  niceTicks,
  segmentBox,
  tickPosition,
  timelineDomain,
  timelineRows,
  topBlocks,
} from './timeline';
import type { Segment } from './runState';

const T = 1_700_000_000_000;
const seg = (start: number, end: number): Segment => ({
  stepId: 's',
  attempt: 1,
  kind: 'running',
  start: T + start * 1000,
  end: T + end * 1000,
  open: false,
  state: 'succeeded',
});

describe('ticks', () => {
  it('picks 1/2/5 steps', () => {
    expect(niceStep(5)).toBe(1);
    expect(niceStep(10)).toBe(2);
    expect(niceStep(130)).toBe(50);
    expect(niceStep(0.5)).toBe(0.1);
  });
  it('lists ticks inside the range', () => {
    expect(niceTicks(0, 5)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(niceTicks(0, 130)).toEqual([0, 50, 100]);
    expect(niceTicks(-1.5, 9)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(-3, 9)).toEqual([-2, 0, 2, 4, 6, 8]);
  });
  it('formats seconds', () => {
    expect(formatTick(0)).toBe('0s');
    expect(formatTick(2.5)).toBe('2.5s');
    expect(formatTick(150)).toBe('150s');
  });
});

describe('domain and boxes', () => {
  it('covers all segments and now, with a minimum span', () => {
    expect(timelineDomain([seg(0.5, 2)], T, null)).toEqual({ min: 0, max: 5 });
    expect(timelineDomain([seg(1, 8)], T, T + 12_000)).toEqual({ min: 0, max: 12 });
    expect(timelineDomain([seg(-2, 8)], T, null)).toEqual({ min: -2, max: 8 });
  });
  it('places segments in percent', () => {
    const domain = { min: 0, max: 10 };
    expect(segmentBox(seg(1, 3), T, domain)).toEqual({ left: 10, width: 20 });
    expect(segmentBox(seg(9, 12), T, domain)).toEqual({ left: 90, width: 10 });
    expect(tickPosition(5, domain)).toBe(50);
  });
});

describe('timelineRows', () => {
  const steps = [{ id: 'a' }, { id: 'b1', block: 'inner' }, { id: 'fan' }, { id: 'b2', block: 'outer' }, { id: 'z' }];
  const blocks = [
    { id: 'outer', name: 'Outer' },
    { id: 'inner', name: 'Inner', parent: 'outer' },
  ];
  const order = steps.map((s) => s.id);
  const { blockOf, blockNames } = topBlocks(steps, blocks);

  it('folds nested blocks into their outermost one, placed where its first step is', () => {
    expect(blockOf).toEqual({ b1: 'outer', b2: 'outer' });
    const rows = timelineRows(order, { blockOf, blockNames, itemCounts: {}, toggled: new Set(), blocksFolded: true });
    expect(
      rows.map((r) => (r.kind === 'block' ? `[${r.name}:${r.steps.join(',')}]` : r.kind === 'step' ? r.id : '')),
    ).toEqual(['a', '[Outer:b1,b2]', 'fan', 'z']);
  });

  it('opens a folded block, or folds an open one, when toggled; items only when their step is', () => {
    const open = timelineRows(order, {
      blockOf,
      blockNames,
      itemCounts: { fan: 3 },
      toggled: new Set(['outer', 'fan']),
      blocksFolded: true,
    });
    expect(open.map((r) => (r.kind === 'item' ? `${r.stepId}#${r.index}` : r.id))).toEqual([
      'a',
      'outer',
      'b1',
      'b2',
      'fan',
      'fan#0',
      'fan#1',
      'fan#2',
      'z',
    ]);
    const smallRun = timelineRows(order, {
      blockOf,
      blockNames,
      itemCounts: { fan: 3 },
      toggled: new Set(['outer']),
      blocksFolded: false,
    });
    expect(smallRun.map((r) => (r.kind === 'step' ? r.id : r.kind))).toEqual(['a', 'block', 'fan', 'z']);
  });
});
