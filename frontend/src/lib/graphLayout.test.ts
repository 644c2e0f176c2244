import { describe, expect, it } from 'vitest';
import { COLUMN_WIDTH, ROW_HEIGHT, layoutGraph, stepDepths, topLeftViewport } from './graphLayout';
import { graph } from '../test/fixtures';

describe('stepDepths', () => {
  it('uses the longest path from a root', () => {
    expect(stepDepths(graph)).toEqual({ s1: 0, s2: 1, s3: 1, s4: 2 });
    const g = {
      steps: ['a', 'b', 'c', 'd'].map((id) => ({ id, name: id, kind: 'function' as const })),
      edges: [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
        { source: 'a', target: 'c' },
        { source: 'x', target: 'd' }, // unknown source: ignored
      ],
    };
    expect(stepDepths(g)).toEqual({ a: 0, b: 1, c: 2, d: 0 });
  });

  it('survives cycles', () => {
    const g = {
      steps: ['a', 'b', 'c'].map((id) => ({ id, name: id, kind: 'function' as const })),
      edges: [
        { source: 'b', target: 'c' },
        { source: 'c', target: 'b' },
      ],
    };
    expect(stepDepths(g)).toEqual({ a: 0, b: 1, c: 1 });
  });
});

describe('layoutGraph', () => {
  it('lays out left to right by depth', () => {
    const pos = Object.fromEntries(layoutGraph(graph).map((s) => [s.id, [s.x, s.y]]));
    expect(pos.s1[0]).toBe(0);
    expect(pos.s2[0]).toBe(COLUMN_WIDTH);
    expect(pos.s3[0]).toBe(COLUMN_WIDTH);
    expect(pos.s4[0]).toBe(2 * COLUMN_WIDTH);
    expect(pos.s3[1] - pos.s2[1]).toBe(ROW_HEIGHT);
    // single-node columns are centred on the two-node column
    expect(pos.s1[1]).toBe(ROW_HEIGHT / 2);
  });

  it('prefers explicit positions', () => {
    const g = { ...graph, steps: graph.steps.map((s) => (s.id === 's3' ? { ...s, position: { x: 5, y: 600 } } : s)) };
    const s3 = layoutGraph(g).find((s) => s.id === 's3')!;
    expect([s3.x, s3.y]).toEqual([5, 600]);
  });
});

describe('topLeftViewport', () => {
  it("puts the first column's top step at the top-left corner, whatever the column's offset", () => {
    // One root fanning out to three: the root is centred against the taller column, lower than its top.
    const fan = {
      steps: ['r', 'a', 'b', 'c'].map((id) => ({ id, name: id, kind: 'function' as const })),
      edges: ['a', 'b', 'c'].map((target) => ({ source: 'r', target })),
    };
    const layout = layoutGraph(fan);
    const root = layout.find((s) => s.id === 'r')!;
    expect(root.y).toBe(ROW_HEIGHT);
    const viewport = topLeftViewport(layout, 0.5, 16);
    expect(viewport).toEqual({ x: 16, y: 16 - ROW_HEIGHT * 0.5, zoom: 0.5 });
    expect(root.x * viewport.zoom + viewport.x).toBe(16);
    expect(root.y * viewport.zoom + viewport.y).toBe(16);
  });

  it('starts from saved positions, not from the origin', () => {
    const placed = layoutGraph({
      steps: [
        { id: 'a', name: 'a', kind: 'function', position: { x: 400, y: 300 } },
        { id: 'b', name: 'b', kind: 'function', position: { x: 400 + COLUMN_WIDTH, y: 100 } },
      ],
      edges: [],
    });
    expect(topLeftViewport(placed, 1, 10)).toEqual({ x: -390, y: -290, zoom: 1 });
    expect(topLeftViewport([], 1, 10)).toEqual({ x: 0, y: 0, zoom: 1 });
  });
});
