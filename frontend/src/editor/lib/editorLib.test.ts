import { describe, expect, it } from 'vitest';
import { expandEdges } from './blockEdges';
import { connectionCycle, findPath } from './cycle';
import { stepToApi, uniqueId, type EditorDoc, EMPTY_DOC } from './doc';
import { canRedo, canUndo, historyPush, historyRedo, historyStart, historyUndo } from './history';
import { addStep, connect, group, removeElements, renameStep, ungroup } from './ops';
import { copySelection, parseClipboard, pastePayload, serializeClipboard } from './clipboard';
import { autoLayout, blockBoxes } from './layout';
import { placeholdersFor } from './scope';
import { canvasErrors } from './serverErrors';

function chain(n: number): EditorDoc {
  let doc: EditorDoc = { ...EMPTY_DOC };
  for (let i = 0; i < n; i++) {
    doc = addStep(doc, {
      kind: 'function',
      function: 'sleep',
      kwargs: { seconds: 0.5 },
      position: { x: i * 10, y: 0 },
    }).doc;
  }
  for (let i = 1; i < n; i++) doc = connect(doc, doc.steps[i - 1].id, doc.steps[i].id).doc;
  return doc;
}

describe('cycle check', () => {
  const edges = [
    { source: 'a', target: 'b' },
    { source: 'b', target: 'c' },
    { source: 'a', target: 'd' },
  ];
  it('finds the shortest path', () => {
    expect(findPath(edges, 'a', 'c')).toEqual(['a', 'b', 'c']);
    expect(findPath(edges, 'c', 'a')).toBeNull();
  });
  it('names the cycle a new connection would close', () => {
    expect(connectionCycle(edges, 'c', 'a')).toEqual(['a', 'b', 'c', 'a']);
    expect(connectionCycle(edges, 'd', 'c')).toBeNull();
    expect(connectionCycle(edges, 'b', 'b')).toEqual(['b', 'b']);
  });
  it('connect refuses a cycle with a message naming the path and leaves the doc alone', () => {
    const doc = chain(3);
    const result = connect(doc, 'sleep_3', 'sleep');
    expect(result.doc).toBe(doc);
    expect(result.error).toBe('Refused: that would make a cycle sleep → sleep_2 → sleep_3 → sleep.');
    expect(connect(doc, 'sleep', 'sleep_3').error).toBeUndefined();
    expect(connect(doc, 'sleep', 'sleep_2').error).toMatch(/already connected/);
  });
});

describe('undo/redo stack', () => {
  it('undoes and redoes every edit in order and drops the redo branch on a new edit', () => {
    let h = historyStart(0);
    h = historyPush(h, 1);
    h = historyPush(h, 2);
    expect(canUndo(h)).toBe(true);
    h = historyUndo(h);
    expect(h.present).toBe(1);
    expect(canRedo(h)).toBe(true);
    h = historyRedo(h);
    expect(h.present).toBe(2);
    h = historyUndo(historyUndo(h));
    expect(h.present).toBe(0);
    expect(canUndo(h)).toBe(false);
    expect(historyUndo(h)).toBe(h);
    h = historyPush(h, 5);
    expect(canRedo(h)).toBe(false);
    expect(h.past).toEqual([0]);
  });
  it('keeps at most the limit of past states', () => {
    let h = historyStart(0);
    for (let i = 1; i <= 10; i++) h = historyPush(h, i, 3);
    expect(h.past).toEqual([7, 8, 9]);
  });
  it('ignores a push of the same value', () => {
    const h = historyStart('x');
    expect(historyPush(h, 'x')).toBe(h);
  });
});

describe('copy and paste', () => {
  it('remaps ids that are taken, keeps inner edges, and follows placeholders', () => {
    let doc = chain(2);
    doc = {
      ...doc,
      steps: doc.steps.map((s) => (s.id === 'sleep_2' ? { ...s, kwargs: { seconds: '{{ steps.sleep.result }}' } } : s)),
    };
    const payload = copySelection(doc, ['sleep', 'sleep_2'])!;
    const text = serializeClipboard(payload);
    const back = parseClipboard(text)!;
    const pasted = pastePayload(doc, back, { offset: { x: 40, y: 40 } });
    expect(pasted.stepIds).toEqual(['sleep_3', 'sleep_4']);
    expect(pasted.idMap).toEqual({ sleep: 'sleep_3', sleep_2: 'sleep_4' });
    expect(pasted.doc.edges).toContainEqual({ source: 'sleep_3', target: 'sleep_4' });
    expect(pasted.doc.edges).toHaveLength(2);
    const copy = pasted.doc.steps.find((s) => s.id === 'sleep_4')!;
    expect(copy.kwargs).toEqual({ seconds: '{{ steps.sleep_3.result }}' });
    expect(copy.position).toEqual({ x: 50, y: 40 });
    // The originals are untouched.
    expect(pasted.doc.steps.find((s) => s.id === 'sleep_2')!.kwargs).toEqual({ seconds: '{{ steps.sleep.result }}' });
  });
  it('keeps ids into an empty campaign and drops edges to steps left behind', () => {
    const doc = chain(3);
    const payload = copySelection(doc, ['sleep_2', 'sleep_3'])!;
    const pasted = pastePayload({ ...EMPTY_DOC }, payload, { at: { x: 0, y: 0 } });
    expect(pasted.doc.steps.map((s) => s.id)).toEqual(['sleep_2', 'sleep_3']);
    expect(pasted.doc.edges).toEqual([{ source: 'sleep_2', target: 'sleep_3' }]);
    expect(pasted.doc.steps[0].position).toEqual({ x: 0, y: 0 });
  });
  it('brings the blocks of copied steps along with fresh ids', () => {
    const grouped = group(chain(2), ['sleep', 'sleep_2'], 'Prep');
    const payload = copySelection(grouped.doc, ['sleep'])!;
    expect(payload.blocks.map((b) => b.id)).toEqual(['block']);
    const pasted = pastePayload(grouped.doc, payload);
    expect(pasted.doc.blocks.map((b) => b.id)).toEqual(['block', 'block_2']);
    expect(pasted.doc.steps.find((s) => s.id === 'sleep_3')!.block).toBe('block_2');
  });
  it('ignores clipboard text that is not ours', () => {
    expect(parseClipboard('hello')).toBeNull();
    expect(parseClipboard('{"format":"other"}')).toBeNull();
    expect(copySelection(chain(1), [])).toBeNull();
  });
});

describe('editing', () => {
  it('gives new steps unique ids', () => {
    expect(uniqueId('sleep', new Set(['sleep', 'sleep_2']))).toBe('sleep_3');
    expect(uniqueId('9 lives', new Set())).toBe('s_9_lives');
  });
  it('deleting a step removes its edges', () => {
    const doc = removeElements(chain(3), ['sleep_2']);
    expect(doc.steps.map((s) => s.id)).toEqual(['sleep', 'sleep_3']);
    expect(doc.edges).toEqual([]);
  });
  it('groups, nests and ungroups blocks', () => {
    const outer = group(chain(3), ['sleep', 'sleep_2', 'sleep_3']);
    const inner = group(outer.doc, ['sleep_2', 'sleep_3'], 'Inner');
    expect(inner.doc.blocks).toEqual([
      { id: 'block', name: 'Block 1', parent: null },
      { id: 'block_2', name: 'Inner', parent: 'block' },
    ]);
    const flat = ungroup(inner.doc, 'block');
    expect(flat.blocks).toEqual([{ id: 'block_2', name: 'Inner', parent: null }]);
    expect(flat.steps.map((s) => s.block ?? null)).toEqual([null, 'block_2', 'block_2']);
    const gone = removeElements(flat, ['sleep_2', 'sleep_3']);
    expect(gone.blocks).toEqual([]);
  });
  it('renaming a step rewires edges and placeholders', () => {
    let doc = chain(2);
    doc = {
      ...doc,
      steps: doc.steps.map((s, i) => (i === 1 ? { ...s, kwargs: { seconds: '{{ steps.sleep.result }}' } } : s)),
    };
    const renamed = renameStep(doc, 'sleep', 'first');
    expect(renamed.edges).toEqual([{ source: 'first', target: 'sleep_2' }]);
    expect(renamed.steps[1].kwargs).toEqual({ seconds: '{{ steps.first.result }}' });
  });
  it('offers parameters and upstream results as placeholders', () => {
    const doc = { ...chain(3), parameters: [{ name: 'name', type: 'string' }] };
    expect(placeholdersFor(doc, 'sleep_3').map((p) => p.text)).toEqual([
      '{{ params.name }}',
      '{{ steps.sleep.result }}',
      '{{ steps.sleep_2.result }}',
    ]);
    expect(placeholdersFor(doc, 'sleep').map((p) => p.text)).toEqual(['{{ params.name }}']);
  });
});

describe('layout', () => {
  it('lays a chain out left to right', () => {
    const doc = chain(4);
    const pos = autoLayout(doc);
    const xs = doc.steps.map((s) => pos[s.id].x);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(new Set(xs).size).toBe(4);
  });
  it('keeps the steps of a block together, apart from the others', () => {
    // a fans out to b1, b2, c; b1 and b2 are a block.
    let doc: EditorDoc = { ...EMPTY_DOC };
    for (const id of ['a', 'b1', 'c', 'b2'])
      doc = { ...doc, steps: [...doc.steps, { id, name: id, kind: 'function', function: 'noop' }] };
    for (const t of ['b1', 'c', 'b2']) doc = connect(doc, 'a', t).doc;
    doc = group(doc, ['b1', 'b2']).doc;
    const pos = autoLayout(doc);
    const placed = { ...doc, steps: doc.steps.map((s) => ({ ...s, position: pos[s.id] })) };
    const box = blockBoxes(placed).block;
    const inside = (id: string) =>
      pos[id].x >= box.x && pos[id].x <= box.x + box.width && pos[id].y >= box.y && pos[id].y <= box.y + box.height;
    expect(inside('b1') && inside('b2')).toBe(true);
    expect(inside('c') || inside('a')).toBe(false);
  });
  it('lays out 500 steps', () => {
    const doc = chain(500);
    const pos = autoLayout(doc);
    expect(Object.keys(pos)).toHaveLength(500);
  });
});

describe('server errors on the canvas', () => {
  it('puts faults on the steps and edges they name', () => {
    const errors = canvasErrors({
      graph: [
        { message: "step 's1': unknown function 'slep'", step: 's1' },
        { message: 'edge a -> b names unknown step', edge: { source: 'a', target: 'b' } },
        { message: 'cycle: a -> b -> a', path: ['a', 'b', 'a'] },
        { message: 'a campaign needs at least one step' },
      ],
      parameters: [{ message: "parameter 'x': unknown type" }],
    });
    expect(errors.steps.s1).toEqual(["step 's1': unknown function 'slep'"]);
    expect(errors.edges['a->b']).toHaveLength(2);
    expect(errors.edges['b->a']).toEqual(['cycle: a -> b -> a']);
    expect(errors.general).toEqual(['a campaign needs at least one step', "Parameters: parameter 'x': unknown type"]);
    expect(errors.all).toHaveLength(5);
  });
  it('handles plain DRF messages', () => {
    expect(canvasErrors({ name: ['This field is required.'] }).general).toEqual([
      'Campaign name: This field is required.',
    ]);
  });
});

describe('edges between blocks', () => {
  // a → [b1 → b2] → c, where the middle is a block.
  function withBlock(): EditorDoc {
    let doc: EditorDoc = { ...EMPTY_DOC };
    for (const id of ['a', 'b1', 'b2', 'c'])
      doc = { ...doc, steps: [...doc.steps, { id, name: id, kind: 'function', function: 'noop' }] };
    doc = connect(doc, 'b1', 'b2').doc;
    doc = group(doc, ['b1', 'b2'], 'Mid').doc;
    doc = connect(doc, 'a', 'block').doc;
    return connect(doc, 'block', 'c').doc;
  }
  it("expand to the block's sources and sinks, as the server reads them", () => {
    expect(expandEdges(withBlock()).sort()).toEqual([
      ['a', 'b1'],
      ['b1', 'b2'],
      ['b2', 'c'],
    ]);
  });
  it('refuse a connection that closes a cycle through a block', () => {
    const result = connect(withBlock(), 'c', 'a');
    expect(result.error).toBe('Refused: that would make a cycle a → b1 → b2 → c → a.');
    expect(connect(withBlock(), 'c', 'block').error).toMatch(/cycle/);
    expect(connect(withBlock(), 'a', 'c').error).toBeUndefined();
  });
  it('ungrouping turns edges that named the block into step edges, and placeholders see upstream steps through it', () => {
    expect(placeholdersFor(withBlock(), 'c').map((p) => p.text)).toEqual([
      '{{ steps.a.result }}',
      '{{ steps.b1.result }}',
      '{{ steps.b2.result }}',
    ]);
    expect(ungroup(withBlock(), 'block').edges).toEqual([
      { source: 'b1', target: 'b2' },
      { source: 'a', target: 'b1' },
      { source: 'b2', target: 'c' },
    ]);
  });
  it('copying a block with its steps keeps the edges that name it', () => {
    const doc = withBlock();
    const payload = copySelection(doc, ['a', 'b1', 'b2'])!;
    expect(payload.edges).toContainEqual({ source: 'a', target: 'block' });
    const pasted = pastePayload(doc, payload);
    expect(pasted.doc.edges).toContainEqual({ source: 'a_2', target: 'block_2' });
  });
});

describe('workflow steps', () => {
  it('a dropped campaign becomes a workflow step with its parameter defaults, kept by the API body', () => {
    const { doc, id } = addStep(EMPTY_DOC, {
      kind: 'workflow',
      campaign: { id: 12, name: 'Seed campaign', parameters: [{ name: 'name', default: 'Campaign A' }, { name: 'n' }] },
      position: { x: 0, y: 0 },
    });
    const step = doc.steps.find((s) => s.id === id)!;
    expect(step).toMatchObject({
      kind: 'workflow',
      name: 'Seed campaign',
      campaign: 12,
      parameters: { name: 'Campaign A' },
    });
    const api = stepToApi({ ...step, version: 3, kwargs: { stray: 1 }, argv: ['x'] });
    expect(api).toMatchObject({ kind: 'workflow', campaign: 12, version: 3, parameters: { name: 'Campaign A' } });
    expect(api).not.toHaveProperty('kwargs');
    expect(api).not.toHaveProperty('argv');
  });
});
