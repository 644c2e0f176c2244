import { useCallback, useEffect, useRef } from 'react';
import { useReactFlow } from '@xyflow/react';
import type { FunctionInfo } from '../lib/types';
import type { PaletteItem, Selection } from './canvas/EditorCanvas';
import { readClipboard, writeClipboard } from './clipboardIo';
import { copySelection, pastePayload } from './lib/clipboard';
import { NODE_HEIGHT, NODE_WIDTH, type EditorDoc } from './lib/doc';
import { autoLayout, freePosition } from './lib/layout';
import { addNote, removeNotes } from './lib/notes';
import { addStep, group, moveSteps, removeElements, ungroup } from './lib/ops';
import { commandFor, isTypingTarget, type Command } from './lib/shortcuts';
import { defaultKwargs, type FunctionSchema } from './panels/KwargsForm';
import type { EditorDocState } from './useEditorDoc';

interface Options {
  state: EditorDocState;
  selection: Selection;
  functions: FunctionInfo[];
  select: (ids: string[]) => void;
  notify: (text: string, tone?: 'error' | 'info') => void;
  pointer: React.MutableRefObject<{ x: number; y: number } | null>;
  save: () => void;
  toggleHelp: (open?: boolean) => void;
  /** A note was just added: open it for typing. */
  onNoteAdded: (id: string) => void;
}

/** Every editor command, by button or by key. */
export function useEditorCommands({
  state,
  selection,
  functions,
  select,
  notify,
  pointer,
  save,
  toggleHelp,
  onNoteAdded,
}: Options) {
  const flow = useReactFlow();
  const selRef = useRef(selection);
  selRef.current = selection;

  const fit = useCallback(() => {
    requestAnimationFrame(() => void flow.fitView({ padding: 0.2, duration: 250, maxZoom: 1.2 }));
  }, [flow]);

  const viewCentre = useCallback(() => {
    const el = document.querySelector('[data-testid=editor-canvas]');
    const r = el?.getBoundingClientRect();
    if (!r) return { x: 0, y: 0 };
    const p = flow.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
    return { x: Math.round(p.x - NODE_WIDTH / 2), y: Math.round(p.y - NODE_HEIGHT / 2) };
  }, [flow]);

  const addItem = useCallback(
    (item: PaletteItem, at?: { x: number; y: number }) => {
      const doc = state.current();
      const where = at ?? freePosition(doc, viewCentre());
      if (item.kind === 'block') {
        // A block is drawn around its steps: without a selection there is nothing to put in it.
        const chosen = selRef.current.steps;
        if (!chosen.length)
          return notify(
            'Select the steps to put in a block first (drag a box around them), then add the block.',
            'info',
          );
        const r = group(doc, chosen);
        state.edit(() => r.doc);
        if (r.id) select([`block:${r.id}`]);
        return;
      }
      if (item.kind === 'note') {
        const r = addNote(doc, where);
        if (!r.id) return notify(r.error ?? 'No more notes.', 'error');
        state.edit(() => r.doc);
        select([`note:${r.id}`]);
        return onNoteAdded(r.id);
      }
      if (item.kind === 'workflow') {
        const r = addStep(doc, { kind: 'workflow', campaign: item.campaign, position: where });
        state.edit(() => r.doc);
        select([r.id]);
        return;
      }
      const schema = functions.find((f) => f.name === item.function)?.schema as FunctionSchema | undefined;
      const r = addStep(doc, {
        kind: item.kind,
        function: item.function,
        kwargs: defaultKwargs(schema),
        position: where,
      });
      state.edit(() => r.doc);
      select([r.id]);
    },
    [functions, notify, onNoteAdded, select, state, viewCentre],
  );

  const run = useCallback(
    async (command: Command) => {
      const doc = state.current();
      const sel = selRef.current;
      switch (command) {
        case 'undo':
          return state.undo();
        case 'redo':
          return state.redo();
        case 'copy':
        case 'cut':
        case 'duplicate': {
          const payload = copySelection(doc, sel.steps);
          if (!payload) return notify('Select steps to copy first.', 'info');
          if (command === 'duplicate') {
            const r = pastePayload(doc, payload, { offset: { x: 40, y: 40 } });
            state.edit(() => r.doc);
            return select(r.stepIds);
          }
          await writeClipboard(payload);
          if (command === 'cut') state.edit((d) => removeElements(d, sel.steps));
          return notify(`${command === 'cut' ? 'Cut' : 'Copied'} ${payload.steps.length} step(s).`, 'info');
        }
        case 'paste': {
          const payload = await readClipboard();
          if (!payload) return notify('The clipboard holds no steps.', 'info');
          // After the clipboard read: a paste that ended meanwhile is in the document to paste onto.
          const inView = pointer.current;
          const r = pastePayload(state.current(), payload, inView ? { at: inView } : { offset: { x: 40, y: 40 } });
          state.edit(() => r.doc);
          select(r.stepIds);
          return notify(`Pasted ${r.stepIds.length} step(s).`, 'info');
        }
        case 'delete':
          if (!sel.steps.length && !sel.edges.length && !sel.blocks.length && !sel.notes.length) return;
          return state.edit((d) => removeNotes(removeElements(d, sel.steps, sel.edges, sel.blocks), sel.notes));
        case 'note':
          return addItem({ kind: 'note' }, pointer.current ?? undefined);
        case 'selectAll':
          return select(doc.steps.map((s) => s.id));
        case 'group': {
          if (!sel.steps.length) return notify('Select the steps to group first.', 'info');
          const r = group(doc, sel.steps);
          state.edit(() => r.doc);
          if (r.id) select([`block:${r.id}`]);
          return;
        }
        case 'ungroup': {
          const blocks = sel.blocks.length
            ? sel.blocks
            : [...new Set(doc.steps.filter((s) => sel.steps.includes(s.id) && s.block).map((s) => s.block as string))];
          if (!blocks.length) return notify('Select a block (or a step inside one) to ungroup.', 'info');
          return state.edit((d) => blocks.reduce((acc, b) => ungroup(acc, b), d));
        }
        case 'layout':
          if (!doc.steps.length) return;
          state.edit((d) => moveSteps(d, autoLayout(d)));
          return fit();
        case 'fit':
          return fit();
        case 'save':
          return save();
        case 'help':
          return toggleHelp();
        case 'escape':
          toggleHelp(false);
          return select([]);
      }
    },
    [addItem, fit, notify, pointer, save, select, state, toggleHelp],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const command = commandFor(e);
      if (!command) return;
      if (document.querySelector('.modal-backdrop')) return;
      if (isTypingTarget(e.target) && command !== 'save') return;
      e.preventDefault();
      void run(command);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [run]);

  return { run, addItem, fit };
}

export function downloadText(filename: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export type { EditorDoc };
