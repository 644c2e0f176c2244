import { describe, expect, it } from 'vitest';
import { DashboardStore, type FeedRun } from '../../lib/dashboardStore';
import { drawRows, ROW_HEIGHT, stepAt, timeToX, type View } from './draw';

function feed(n: number): FeedRun[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    campaign: 1,
    campaign_name: 'C',
    batch: 1,
    owner: 'alice',
    state: 'running' as const,
    parameters: {},
    created_at: 0,
    started_at: 0,
    finished_at: null,
    last_seq: 1,
    parent: null,
    steps: [
      ['s1', 'S1', 'succeeded', 1, 0, 100, 1000],
      ['s2', 'S2', 'running', 1, 1000, 1100, null],
      ['s3', 'S3', 'pending', 0, null, null, null],
    ],
  }));
}

function fakeContext() {
  const rects: number[][] = [];
  const ctx = {
    fillStyle: '',
    clearRect() {},
    fillRect(x: number, y: number, w: number, h: number) {
      rects.push([x, y, w, h]);
    },
  };
  return { ctx: ctx as unknown as CanvasRenderingContext2D, rects };
}

const view = (over: Partial<View> = {}): View => ({
  left: 0,
  right: 10_000,
  width: 1000,
  height: 10 * ROW_HEIGHT,
  scrollTop: 0,
  hoverRow: -1,
  highlightBatch: null,
  now: 5000,
  ...over,
});

describe('dashboard drawing', () => {
  it('draws only the rows in view, however many runs there are', () => {
    const store = new DashboardStore();
    store.load({ now: 0, runs: feed(1000), counts: {}, truncated: false });
    const rows = store.rows();
    const { ctx } = fakeContext();
    const bars = drawRows(ctx, rows, view(), { pending: '#aaa', queued: '#bbb', running: '#00f', succeeded: '#0f0' });
    // 11 rows touch a 10-row viewport; two of them are headers; two bars per run (the pending step has none).
    expect(bars).toBe((11 - 2) * 2);
    const scrolled = drawRows(ctx, rows, view({ scrollTop: 500 * ROW_HEIGHT }), {});
    expect(scrolled).toBe(11 * 2);
  });
  it('maps time to x and finds the step under the pointer', () => {
    const store = new DashboardStore();
    store.load({ now: 0, runs: feed(1), counts: {}, truncated: false });
    const row = store.rows()[2];
    expect(timeToX(5000, view())).toBe(500);
    expect(stepAt(row, 50, view())?.id).toBe('s1');
    expect(stepAt(row, 300, view())?.id).toBe('s2');
    expect(stepAt(row, 800, view())).toBeNull();
  });
});
