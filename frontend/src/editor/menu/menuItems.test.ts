import { describe, expect, it } from 'vitest';
import { EMPTY_DOC, type EditorDoc } from '../lib/doc';
import { menuItems, nextEnabled, placeInViewport } from './menuItems';

const doc: EditorDoc = {
  ...EMPTY_DOC,
  steps: [
    { id: 'a', name: 'A', kind: 'function', function: 'noop' },
    { id: 'b', name: 'B', kind: 'function', function: 'noop', block: 'blk' },
    { id: 'w', name: 'W', kind: 'workflow', campaign: 3 },
  ],
};

describe('menuItems', () => {
  it('offers add step or note on the canvas, and delete on an edge or a note', () => {
    expect(menuItems(doc, { kind: 'canvas', at: { x: 0, y: 0 } }, null).map((i) => i.action)).toEqual([
      'addStep',
      'addNote',
    ]);
    expect(menuItems(doc, { kind: 'note', id: 'note_1' }, null).map((i) => i.action)).toEqual(['delete']);
    expect(menuItems(doc, { kind: 'edge', id: 'a->b' }, null).map((i) => i.action)).toEqual(['delete']);
  });

  it('offers group for a loose step and ungroup for a step in a block', () => {
    expect(menuItems(doc, { kind: 'step', id: 'a' }, null).map((i) => i.action)).toContain('group');
    expect(menuItems(doc, { kind: 'step', id: 'b' }, null).map((i) => i.action)).toContain('ungroup');
  });

  it("links the step's log of the last run, and disables it with no run", () => {
    const log = (run: number | null) =>
      menuItems(doc, { kind: 'step', id: 'a' }, run).find((i) => i.action === 'openLog');
    expect(log(42)?.href).toBe('/runs/42?step=a');
    expect(log(null)?.disabled).toBe(true);
    expect(log(null)?.href).toBeUndefined();
  });
});

describe('run this step', () => {
  const test = (id: string, saved: boolean) =>
    menuItems(doc, { kind: 'step', id }, null, saved).find((i) => i.action === 'test');
  it('is offered for a step of a saved campaign, beside its last log', () => {
    const actions = menuItems(doc, { kind: 'step', id: 'a' }, null, true).map((i) => i.action);
    expect(actions.indexOf('test')).toBe(actions.indexOf('openLog') - 1);
    expect(test('a', true)).toEqual({ action: 'test', label: 'Run this step (test)' });
  });
  it('says why not before a first save, and for a workflow step', () => {
    expect(test('a', false)).toMatchObject({ disabled: true, hint: 'Save the campaign once to test its steps' });
    expect(test('w', true)?.disabled).toBe(true);
    expect(test('w', true)?.hint).toContain('open that campaign');
  });
});

describe('placeInViewport', () => {
  const size = { width: 200, height: 150 };
  const viewport = { width: 1000, height: 700 };
  it('opens at the pointer when there is room', () => {
    expect(placeInViewport({ x: 100, y: 100 }, size, viewport)).toEqual({ x: 100, y: 100 });
  });
  it('flips left and up near the bottom-right corner', () => {
    expect(placeInViewport({ x: 950, y: 680 }, size, viewport)).toEqual({ x: 750, y: 530 });
  });
  it('never leaves the viewport, even for a menu taller than the room above', () => {
    const p = placeInViewport({ x: 5, y: 100 }, { width: 200, height: 690 }, viewport);
    expect(p.y).toBeGreaterThanOrEqual(4);
    expect(p.y + 690).toBeLessThanOrEqual(700);
  });
});

describe('nextEnabled', () => {
  const items = [
    { action: 'duplicate', label: 'a' },
    { action: 'openLog', label: 'b', disabled: true },
    { action: 'delete', label: 'c' },
  ] as const;
  it('skips disabled entries and wraps', () => {
    expect(nextEnabled(items, 0, 1)).toBe(2);
    expect(nextEnabled(items, 2, 1)).toBe(0);
    expect(nextEnabled(items, 0, -1)).toBe(2);
  });
});
