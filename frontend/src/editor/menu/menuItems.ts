import type { EditorDoc } from '../lib/doc';

/** What was right-clicked: a step, an edge, a block, or empty canvas (at a flow position). */
export type MenuTarget =
  | { kind: 'step'; id: string }
  | { kind: 'edge'; id: string }
  | { kind: 'block'; id: string }
  | { kind: 'note'; id: string }
  | { kind: 'canvas'; at: { x: number; y: number } };

export type MenuAction = 'duplicate' | 'delete' | 'group' | 'ungroup' | 'copyId' | 'openLog' | 'addStep' | 'addNote';

export interface MenuItem {
  action: MenuAction;
  label: string;
  /** A link instead of a command (the step's last log). */
  href?: string;
  disabled?: boolean;
  hint?: string;
}

/** The entries offered for a target; `lastRunId` is the campaign's latest run, if any. */
export function menuItems(doc: EditorDoc, target: MenuTarget, lastRunId: number | null): MenuItem[] {
  switch (target.kind) {
    case 'canvas':
      return [
        { action: 'addStep', label: 'Add step here' },
        { action: 'addNote', label: 'Add sticky note here' },
      ];
    case 'note':
      return [{ action: 'delete', label: 'Delete note' }];
    case 'edge':
      return [{ action: 'delete', label: 'Delete connection' }];
    case 'block':
      return [
        { action: 'ungroup', label: 'Ungroup block' },
        { action: 'copyId', label: 'Copy block id' },
        { action: 'delete', label: 'Delete block' },
      ];
    case 'step': {
      const step = doc.steps.find((s) => s.id === target.id);
      const items: MenuItem[] = [
        { action: 'duplicate', label: 'Duplicate' },
        step?.block ? { action: 'ungroup', label: 'Ungroup block' } : { action: 'group', label: 'Group into a block' },
        { action: 'copyId', label: 'Copy step id' },
        lastRunId == null
          ? { action: 'openLog', label: "Open last run's log", disabled: true, hint: 'No run yet' }
          : {
              action: 'openLog',
              label: "Open last run's log",
              href: `/runs/${lastRunId}?step=${encodeURIComponent(target.id)}`,
            },
        { action: 'delete', label: 'Delete step' },
      ];
      return items;
    }
  }
}

/** Where a menu of this size opens so that it stays wholly inside the viewport. */
export function placeInViewport(
  at: { x: number; y: number },
  size: { width: number; height: number },
  viewport: { width: number; height: number },
  margin = 4,
): { x: number; y: number } {
  const x = at.x + size.width + margin > viewport.width ? at.x - size.width : at.x;
  const y = at.y + size.height + margin > viewport.height ? at.y - size.height : at.y;
  return {
    x: Math.max(margin, Math.min(x, viewport.width - size.width - margin)),
    y: Math.max(margin, Math.min(y, viewport.height - size.height - margin)),
  };
}

/** The next enabled entry from `from`, moving by `step` (±1) and wrapping around. */
export function nextEnabled(items: readonly MenuItem[], from: number, step: 1 | -1): number {
  const n = items.length;
  for (let k = 1; k <= n; k++) {
    const i = (((from + step * k) % n) + n) % n;
    if (!items[i].disabled) return i;
  }
  return from;
}
