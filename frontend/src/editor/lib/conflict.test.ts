import { describe, expect, it } from 'vitest';
import { describeChanges } from './conflict';

describe('conflict changes', () => {
  it('describes the server diff per section', () => {
    expect(
      describeChanges({
        steps: {
          added: [{ id: 's5' }],
          removed: [],
          changed: [{ id: 's2', changes: { kwargs: [1, 2], name: ['a', 'b'] } }],
        },
        edges: { added: [{ source: 's4', target: 's5' }], removed: [] },
        parameters: { added: [], removed: [{ name: 'n' }], changed: [] },
      }),
    ).toEqual(['steps added: s5', 'steps changed: s2 (kwargs, name)', 'edges added: s4 → s5', 'parameters removed: n']);
  });
  it('passes a list of strings through and ignores anything else', () => {
    expect(describeChanges(['x changed'])).toEqual(['x changed']);
    expect(describeChanges(null)).toEqual([]);
  });
});
