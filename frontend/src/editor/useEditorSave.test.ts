import { describe, expect, it } from 'vitest';
import { campaign } from '../test/fixtures';
import { docFromCampaign } from './lib/doc';
import { addNote } from './lib/notes';
import { moveSteps } from './lib/ops';
import { savedMessage } from './useEditorSave';

describe('the message after a save', () => {
  const doc = docFromCampaign(campaign);
  it('names a new version', () => {
    expect(savedMessage(campaign, { ...campaign, version: 3 }, doc)).toBe('Saved as version 3.');
    expect(savedMessage(null, campaign, doc)).toBe('Saved as version 2.');
  });
  it('says moved steps and notes keep the version', () => {
    const moved = moveSteps(doc, { s1: { x: 999, y: 999 } });
    expect(savedMessage(campaign, campaign, moved)).toContain('Saved the layout: still version 2');
    expect(savedMessage(campaign, campaign, addNote(doc, { x: 0, y: 0 }).doc)).toContain('still version 2');
  });
  it('says when nothing changed', () => {
    expect(savedMessage(campaign, campaign, doc)).toBe('Saved (nothing changed in the definition).');
  });
});
