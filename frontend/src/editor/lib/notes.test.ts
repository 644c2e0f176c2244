import { describe, expect, it } from 'vitest';
import { docFromCampaign, docToApiBody, EMPTY_DOC } from './doc';
import { addNote, MAX_NOTE_CHARS, MAX_NOTES, moveNotes, removeNotes, updateNote } from './notes';

describe('sticky notes', () => {
  it('adds notes with fresh ids, moves, resizes within bounds, edits and removes them', () => {
    const one = addNote(EMPTY_DOC, { x: 10.4, y: 20.6 });
    expect(one.id).toBe('note_1');
    const two = addNote(one.doc, { x: 0, y: 0 });
    expect(two.id).toBe('note_2');
    let doc = moveNotes(two.doc, { note_1: { x: 100.2, y: -50 } });
    expect(doc.notes[0]).toMatchObject({ x: 100, y: -50 });
    doc = updateNote(doc, 'note_1', { width: 5, height: 99999, text: 'x'.repeat(MAX_NOTE_CHARS + 5) });
    expect(doc.notes[0]).toMatchObject({ width: 60, height: 2000 });
    expect(doc.notes[0].text).toHaveLength(MAX_NOTE_CHARS);
    expect(updateNote(doc, 'note_1', { x: 100 })).toBe(doc);
    expect(removeNotes(doc, ['note_1']).notes.map((n) => n.id)).toEqual(['note_2']);
  });

  it('refuses a note past the cap', () => {
    let doc = EMPTY_DOC;
    for (let i = 0; i < MAX_NOTES; i++) doc = addNote(doc, { x: i, y: 0 }).doc;
    const r = addNote(doc, { x: 0, y: 0 });
    expect(r.id).toBeNull();
    expect(r.error).toContain(`at most ${MAX_NOTES}`);
  });

  it('travels in the save body as layout.notes and back from the campaign', () => {
    const { doc } = addNote(EMPTY_DOC, { x: 1, y: 2 });
    const body = docToApiBody(updateNote(doc, 'note_1', { text: '# hi' }), 3);
    expect(body.layout).toEqual({ notes: [expect.objectContaining({ id: 'note_1', text: '# hi', x: 1, y: 2 })] });
    const back = docFromCampaign({ graph: { steps: [], edges: [] }, layout: body.layout as never });
    expect(back.notes[0].text).toBe('# hi');
  });
});
