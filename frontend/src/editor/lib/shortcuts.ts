// Keyboard shortcuts of the editor: one table drives both the key handling and the help panel. No React.

export type Command =
  | 'undo'
  | 'redo'
  | 'copy'
  | 'cut'
  | 'paste'
  | 'delete'
  | 'selectAll'
  | 'group'
  | 'ungroup'
  | 'save'
  | 'layout'
  | 'fit'
  | 'help'
  | 'escape'
  | 'duplicate'
  | 'note';

export interface Shortcut {
  command: Command;
  keys: string[];
  label: string;
}

export const SHORTCUTS: Shortcut[] = [
  { command: 'undo', keys: ['Ctrl+Z'], label: 'Undo' },
  { command: 'redo', keys: ['Ctrl+Shift+Z', 'Ctrl+Y'], label: 'Redo' },
  { command: 'copy', keys: ['Ctrl+C'], label: 'Copy selected steps (as JSON, to the clipboard)' },
  { command: 'cut', keys: ['Ctrl+X'], label: 'Cut selected steps' },
  { command: 'paste', keys: ['Ctrl+V'], label: 'Paste steps (also from another campaign)' },
  { command: 'duplicate', keys: ['Ctrl+D'], label: 'Duplicate selected steps' },
  { command: 'delete', keys: ['Delete', 'Backspace'], label: 'Delete selected steps, connections, blocks or notes' },
  { command: 'note', keys: ['N'], label: 'Add a sticky note (markdown; double-click a note to edit it)' },
  { command: 'selectAll', keys: ['Ctrl+A'], label: 'Select all steps' },
  { command: 'group', keys: ['Ctrl+G'], label: 'Group selected steps into a block' },
  { command: 'ungroup', keys: ['Ctrl+Shift+G'], label: 'Ungroup the selected block' },
  { command: 'layout', keys: ['L'], label: 'Auto-layout (left to right)' },
  { command: 'fit', keys: ['F'], label: 'Zoom to fit' },
  { command: 'save', keys: ['Ctrl+S'], label: 'Save (a new version when the definition changed)' },
  { command: 'help', keys: ['?'], label: 'Show or hide this list' },
  { command: 'escape', keys: ['Esc'], label: 'Clear the selection, close panels' },
];

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  shiftKey?: boolean;
  altKey?: boolean;
}

/** The command a key press means, or null. Ctrl and ⌘ are the same. */
export function commandFor(e: KeyLike): Command | null {
  const mod = !!(e.ctrlKey || e.metaKey);
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.altKey) return null;
  if (mod) {
    if (key === 'z') return e.shiftKey ? 'redo' : 'undo';
    if (key === 'y') return 'redo';
    if (key === 'c') return 'copy';
    if (key === 'x') return 'cut';
    if (key === 'v') return 'paste';
    if (key === 'a') return 'selectAll';
    if (key === 'd') return 'duplicate';
    if (key === 'g') return e.shiftKey ? 'ungroup' : 'group';
    if (key === 's') return 'save';
    return null;
  }
  if (key === 'Delete' || key === 'Backspace') return 'delete';
  if (key === 'Escape') return 'escape';
  if (key === '?') return 'help';
  if (key === 'l' && !e.shiftKey) return 'layout';
  if (key === 'f' && !e.shiftKey) return 'fit';
  if (key === 'n' && !e.shiftKey) return 'note';
  return null;
}

/** Typing in a form field keeps its own keys (except save). */
export function isTypingTarget(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  const tag = el.tagName.toLowerCase();
  return tag === 'input' || tag === 'textarea' || tag === 'select' || el.isContentEditable;
}
