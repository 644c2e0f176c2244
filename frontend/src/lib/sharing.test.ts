import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { diffSummary, editConflictOf, exportUrl, type DefinitionDiff } from './sharing';

const empty: DefinitionDiff = {
  identical: true,
  steps: { added: [], removed: [], changed: [] },
  edges: { added: [], removed: [] },
  parameters: { added: [], removed: [], changed: [] },
};

describe('diffSummary', () => {
  it('counts what changed per section', () => {
    const diff: DefinitionDiff = {
      ...empty,
      identical: false,
      steps: { added: [{ id: 'a' }, { id: 'b' }], removed: [], changed: [{ id: 'c', changes: [] }] },
      edges: { added: [], removed: [{ source: 'a', target: 'c' }] },
    };
    expect(diffSummary(diff)).toBe('2 steps added, 1 changed; 1 edge removed');
  });

  it('prefers the server summary and says when nothing changed', () => {
    expect(diffSummary(empty)).toBe('no changes');
    expect(diffSummary({ ...empty, summary: 'from server' })).toBe('from server');
  });
});

describe('editConflictOf', () => {
  it('recognises the 409 of a stale edit', () => {
    const body = { detail: 'changed', base_version: 1, current_version: 3, changes: empty, current: {} };
    expect(editConflictOf(new ApiError(409, body))?.current_version).toBe(3);
  });

  it('ignores other errors', () => {
    expect(editConflictOf(new ApiError(400, { name: ['bad'] }))).toBeNull();
    expect(editConflictOf(new ApiError(409, { detail: 'other conflict' }))).toBeNull();
    expect(editConflictOf(new Error('x'))).toBeNull();
  });
});

describe('exportUrl', () => {
  it('names the format and optionally a version', () => {
    expect(exportUrl(4, 'yaml')).toBe('/api/campaigns/4/export/yaml/');
    expect(exportUrl(4, 'asyncflow', 2)).toBe('/api/campaigns/4/export/asyncflow/?version=2');
  });
});
