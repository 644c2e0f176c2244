import { describe, expect, it } from 'vitest';
import { copySelection, copyName, pastePayload } from './clipboard';
import { EMPTY_DOC, NODE_HEIGHT, NODE_WIDTH, type EditorDoc } from './doc';
import { freePosition } from './layout';
import { addStep } from './ops';

function withSteps(...positions: { x: number; y: number }[]): EditorDoc {
  let doc: EditorDoc = { ...EMPTY_DOC };
  for (const position of positions) doc = addStep(doc, { kind: 'function', function: 'noop', position }).doc;
  return doc;
}

const overlaps = (a: { x: number; y: number }, b: { x: number; y: number }) =>
  Math.abs(a.x - b.x) < NODE_WIDTH && Math.abs(a.y - b.y) < NODE_HEIGHT;

describe('freePosition', () => {
  it('keeps the wanted place when it is free', () => {
    expect(freePosition(withSteps({ x: 500, y: 500 }), { x: 0, y: 0 })).toEqual({ x: 0, y: 0 });
  });
  it('moves a step added on top of others to the next free place', () => {
    let doc = withSteps();
    const placed: { x: number; y: number }[] = [];
    for (let k = 0; k < 8; k++) {
      const p = freePosition(doc, { x: 100, y: 100 });
      placed.push(p);
      doc = addStep(doc, { kind: 'function', function: 'noop', position: p }).doc;
    }
    for (let i = 0; i < placed.length; i++) {
      for (let j = i + 1; j < placed.length; j++) expect(overlaps(placed[i], placed[j])).toBe(false);
    }
    expect(placed[0]).toEqual({ x: 100, y: 100 });
  });
});

describe('pasted names', () => {
  it('gives a pasted step a name no other step has', () => {
    expect(copyName('Step 2', new Set(['Step 2']))).toBe('Step 2 copy');
    expect(copyName('Step 2', new Set(['Step 2', 'Step 2 copy']))).toBe('Step 2 copy 2');
    expect(copyName('Fresh', new Set(['Step 2']))).toBe('Fresh');
    let doc = withSteps({ x: 0, y: 0 });
    doc = { ...doc, steps: doc.steps.map((s) => ({ ...s, name: 'Step 2' })) };
    const payload = copySelection(doc, [doc.steps[0].id]);
    const once = pastePayload(doc, payload!, { offset: { x: 40, y: 40 } }).doc;
    const twice = pastePayload(once, payload!, { offset: { x: 80, y: 80 } }).doc;
    expect(twice.steps.map((s) => s.name)).toEqual(['Step 2', 'Step 2 copy', 'Step 2 copy 2']);
  });
});
