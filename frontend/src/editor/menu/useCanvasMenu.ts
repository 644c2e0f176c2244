import { useCallback, useState } from 'react';
import type { PaletteItem, Selection } from '../canvas/EditorCanvas';
import { copySelection, pastePayload } from '../lib/clipboard';
import type { EditorDoc } from '../lib/doc';
import { removeNotes } from '../lib/notes';
import { group, removeElements, ungroup } from '../lib/ops';
import type { EditorDocState } from '../useEditorDoc';
import { menuItems, type MenuItem, type MenuTarget } from './menuItems';

interface Options {
  /** The campaign's latest run, for the step log link. */
  lastRunId: number | null;
  state: EditorDocState;
  selection: Selection;
  select: (ids: string[]) => void;
  notify: (text: string, tone?: 'error' | 'info') => void;
  addItem: (item: PaletteItem, at?: { x: number; y: number }) => void;
  /** The function a step added from the canvas menu starts as. */
  defaultFunction: string | null;
  /** Whether the campaign is saved (its steps can be tested). */
  saved: boolean;
  /** "Run this step": test it alone once, in its properties panel. */
  onTestStep: (stepId: string) => void;
}

export interface OpenMenu {
  target: MenuTarget;
  at: { x: number; y: number };
  items: MenuItem[];
}

/** The steps an action on `id` applies to: the whole selection when `id` is part of it, else `id` alone. */
function actedOn(id: string, chosen: readonly string[]): string[] {
  return chosen.includes(id) ? [...chosen] : [id];
}

/** The canvas's right-click menu: what it offers for a target and what each entry does. */
export function useCanvasMenu(options: Options) {
  const { lastRunId, state, selection, select, notify, addItem, defaultFunction, saved, onTestStep } = options;
  const [menu, setMenu] = useState<OpenMenu | null>(null);

  const open = useCallback(
    (target: MenuTarget, at: { x: number; y: number }) =>
      setMenu({ target, at, items: menuItems(state.doc, target, lastRunId, saved) }),
    [lastRunId, saved, state.doc],
  );
  const close = useCallback(() => setMenu(null), []);

  const choose = useCallback(
    (item: MenuItem) => {
      if (!menu) return;
      const { target } = menu;
      const doc: EditorDoc = state.doc;
      if (target.kind === 'canvas') {
        if (item.action === 'addNote') return addItem({ kind: 'note' }, target.at);
        if (item.action !== 'addStep') return;
        if (!defaultFunction) return notify('No step function is registered yet.', 'error');
        return addItem({ kind: 'function', function: defaultFunction }, target.at);
      }
      const id = target.id;
      if (target.kind === 'note') {
        if (item.action === 'delete') state.edit((d) => removeNotes(d, actedOn(id, selection.notes)));
        return;
      }
      switch (item.action) {
        case 'test':
          return onTestStep(id);
        case 'copyId':
          void navigator.clipboard
            ?.writeText(id)
            .then(() => notify(`Copied the id ${id}.`, 'info'))
            .catch(() => notify(`Could not reach the clipboard; the id is ${id}.`, 'error'));
          return;
        case 'duplicate': {
          const payload = copySelection(doc, actedOn(id, selection.steps));
          if (!payload) return;
          const r = pastePayload(doc, payload, { offset: { x: 40, y: 40 } });
          state.edit(() => r.doc);
          return select(r.stepIds);
        }
        case 'delete':
          if (target.kind === 'step') return state.edit((d) => removeElements(d, actedOn(id, selection.steps)));
          if (target.kind === 'edge') return state.edit((d) => removeElements(d, [], [id]));
          return state.edit((d) => removeElements(d, [], [], [id]));
        case 'group': {
          const r = group(doc, actedOn(id, selection.steps));
          state.edit(() => r.doc);
          if (r.id) select([`block:${r.id}`]);
          return;
        }
        case 'ungroup': {
          const block = target.kind === 'block' ? id : doc.steps.find((s) => s.id === id)?.block;
          if (block) state.edit((d) => ungroup(d, block));
          return;
        }
      }
    },
    [addItem, defaultFunction, menu, notify, onTestStep, select, selection.notes, selection.steps, state],
  );

  return { menu, open, close, choose };
}
