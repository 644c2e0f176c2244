import { act, renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { EMPTY_DOC } from './lib/doc';
import { addStep } from './lib/ops';
import { useEditorDoc } from './useEditorDoc';

const at = { x: 0, y: 0 };

describe('useEditorDoc', () => {
  it('builds a change on the one before it even when React has not rendered in between', () => {
    const { result } = renderHook(() => useEditorDoc(EMPTY_DOC));
    const state = result.current;
    act(() => {
      // Two pastes whose clipboard reads end in the same tick: both read current(), neither the render's doc.
      const first = addStep(state.current(), { kind: 'function', function: 'noop', position: at });
      state.edit(() => first.doc);
      const second = addStep(state.current(), { kind: 'function', function: 'noop', position: at });
      state.edit(() => second.doc);
    });
    expect(result.current.doc.steps).toHaveLength(2);
    expect(new Set(result.current.doc.steps.map((s) => s.id)).size).toBe(2);
  });

  it('undoes and redoes from the latest change, each edit one step', () => {
    const { result } = renderHook(() => useEditorDoc(EMPTY_DOC));
    const state = result.current;
    act(() => {
      state.edit((d) => addStep(d, { kind: 'function', function: 'noop', position: at }).doc);
      state.edit((d) => addStep(d, { kind: 'function', function: 'noop', position: at }).doc);
      state.undo();
    });
    expect(result.current.doc.steps).toHaveLength(1);
    expect(result.current.current()).toBe(result.current.doc);
    act(() => result.current.redo());
    expect(result.current.doc.steps).toHaveLength(2);
    act(() => result.current.reset(EMPTY_DOC));
    expect(result.current.doc.steps).toHaveLength(0);
    expect(result.current.canUndo).toBe(false);
  });

  it('merges typing in one field into one undo step', () => {
    const { result } = renderHook(() => useEditorDoc(EMPTY_DOC));
    act(() => {
      result.current.edit((d) => ({ ...d, name: 'a' }), { coalesce: 'name' });
    });
    act(() => {
      result.current.edit((d) => ({ ...d, name: 'ab' }), { coalesce: 'name' });
    });
    expect(result.current.doc.name).toBe('ab');
    act(() => result.current.undo());
    expect(result.current.doc.name).toBe(EMPTY_DOC.name);
  });
});
