import { describe, expect, it } from 'vitest';
import { campaign as fixtureCampaign } from '../../test/fixtures';
import type { Campaign } from '../../lib/types';
import { docFromCampaign } from './doc';
import { docLayout, mergeLayouts, mergedMessage, saveMergingLayout, type LayoutSide } from './layoutMerge';
import type { StickyNote } from './notes';

const note = (id: string, text: string): StickyNote => ({ id, text, x: 0, y: 0, width: 200, height: 100 });
const side = (positions: LayoutSide['positions'], notes: StickyNote[] = []): LayoutSide => ({ positions, notes });

describe('mergeLayouts', () => {
  const base = side({ a: { x: 0, y: 0 }, b: { x: 100, y: 0 }, c: { x: 200, y: 0 } }, [note('n1', 'one')]);

  it('keeps your moves and theirs, step by step', () => {
    const mine = side({ a: { x: 5, y: 5 }, b: { x: 100, y: 0 }, c: { x: 200, y: 0 } }, [note('n1', 'one')]);
    const theirs = side({ a: { x: 0, y: 0 }, b: { x: 150, y: 80 }, c: { x: 200, y: 0 } }, [note('n1', 'one')]);
    const merged = mergeLayouts(base, mine, theirs);
    expect(merged.positions).toEqual({ a: { x: 5, y: 5 }, b: { x: 150, y: 80 }, c: { x: 200, y: 0 } });
    expect(merged.clashingSteps).toEqual([]);
    expect(mergedMessage(merged)).not.toContain('You both moved');
  });

  it('keeps yours where you both moved a step, and names it', () => {
    const mine = side({ ...base.positions, a: { x: 5, y: 5 } });
    const theirs = side({ ...base.positions, a: { x: -9, y: -9 } });
    const merged = mergeLayouts(base, mine, theirs);
    expect(merged.positions.a).toEqual({ x: 5, y: 5 });
    expect(merged.clashingSteps).toEqual(['a']);
    expect(mergedMessage(merged)).toContain('You both moved step a: yours are kept.');
  });

  it('places a step you added where you put it; steps only they have are not yours to save', () => {
    const mine = side({ ...base.positions, d: { x: 1, y: 1 } });
    const theirs = side({ ...base.positions, e: { x: 2, y: 2 } });
    const merged = mergeLayouts(base, mine, theirs);
    expect(merged.positions.d).toEqual({ x: 1, y: 1 });
    expect(merged.positions.e).toBeUndefined();
  });

  it('merges notes by id: their edits and additions, your edits and deletions', () => {
    const start = side({}, [note('n1', 'one'), note('n2', 'two'), note('n3', 'three')]);
    const mine = side({}, [note('n1', 'one (mine)'), note('n3', 'three'), note('n4', 'my new')]); // deleted n2
    const theirs = side({}, [
      note('n1', 'one'),
      note('n2', 'two'),
      note('n3', 'three (theirs)'),
      note('n5', 'their new'),
    ]);
    const merged = mergeLayouts(start, mine, theirs);
    expect(merged.notes.map((n) => `${n.id}:${n.text}`)).toEqual([
      'n1:one (mine)',
      'n3:three (theirs)',
      'n4:my new',
      'n5:their new',
    ]);
    expect(merged.clashingNotes).toEqual([]);
  });

  it('does not throw away a note they edited when you deleted it, and names the clash', () => {
    const start = side({}, [note('n1', 'one')]);
    const merged = mergeLayouts(start, side({}, []), side({}, [note('n1', 'one, edited')]));
    expect(merged.notes.map((n) => n.text)).toEqual(['one, edited']);
    expect(merged.clashingNotes).toEqual(['n1']);
  });
});

describe('saveMergingLayout', () => {
  const loaded: Campaign = {
    ...fixtureCampaign,
    layout_revision: 4,
    graph: {
      ...fixtureCampaign.graph,
      steps: fixtureCampaign.graph.steps.map((s, i) => ({ ...s, position: { x: i * 100, y: 0 } })),
    },
  };

  it('sends the loaded revision, and on a layout conflict saves the merge on their revision', async () => {
    const doc = docFromCampaign(loaded);
    // You moved s1; meanwhile someone moved s2 (revision 5).
    const mine = { ...doc, steps: doc.steps.map((s) => (s.id === 's1' ? { ...s, position: { x: 7, y: 7 } } : s)) };
    const theirs = { ...docLayout(doc).positions, s2: { x: 555, y: 555 } };
    const bodies: Record<string, unknown>[] = [];
    const send = async (body: Record<string, unknown>) => {
      bodies.push(body);
      if (body.layout_revision === 4) {
        throw {
          status: 409,
          body: { code: 'layout_conflict', layout_revision: 5, layout: { positions: theirs, notes: [] } },
        };
      }
      return { ...loaded, layout_revision: 6 };
    };
    const result = await saveMergingLayout(send, mine, loaded, { name: doc.name, base_version: 2 }, (e) =>
      (e as { status?: number }).status === 409 ? (e as { body: unknown }).body : null,
    );
    expect(bodies.map((b) => b.layout_revision)).toEqual([4, 5]);
    expect(bodies[1].base_version).toBe(2);
    const placed = (bodies[1].graph as Campaign['graph']).steps.map((s) => [s.id, s.position]);
    expect(placed).toContainEqual(['s1', { x: 7, y: 7 }]);
    expect(placed).toContainEqual(['s2', { x: 555, y: 555 }]);
    expect(result.saved.layout_revision).toBe(6);
    expect(result.sent.steps.find((s) => s.id === 's2')?.position).toEqual({ x: 555, y: 555 });
    expect(result.merge?.clashingSteps).toEqual([]);
  });

  it('throws any other refusal as it came', async () => {
    const refusal = { status: 409, body: { detail: 'changed since version 2', current_version: 3 } };
    const send = async () => {
      throw refusal;
    };
    await expect(
      saveMergingLayout(send, docFromCampaign(loaded), loaded, {}, (e) => (e as { body: unknown }).body),
    ).rejects.toBe(refusal);
  });
});
