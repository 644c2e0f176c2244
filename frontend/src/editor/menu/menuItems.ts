import type { EditorDoc } from '../lib/doc';

/** What was right-clicked: a step, an edge, a block, or empty canvas (at a flow position). */
export type MenuTarget =
  | { kind: 'step'; id: string }
  | { kind: 'edge'; id: string }
  | { kind: 'block'; id: string }
  | { kind: 'note'; id: string }
  | { kind: 'canvas'; at: { x: number; y: number } };

export type MenuAction =
  'duplicate' | 'delete' | 'group' | 'ungroup' | 'copyId' | 'openLog' | 'test' | 'addStep' | 'addNote';

export interface MenuItem {
  action: MenuAction;
  label: string;
  /** A link instead of a command (the step's last log). */
  href?: string;
  disabled?: boolean;
  hint?: string;
}

/** Why a step cannot be run alone from the menu, or null when it can. */
function untestable(kind: string | undefined, saved: boolean): string | null {
  if (kind === 'workflow') return 'A workflow step runs its child campaign: open that campaign to test its steps';
  if (!saved) return 'Save the campaign once to test its steps';
  return null;
}

/**
 * The entries offered for a target; `lastRunId` is the campaign's latest run, if any, and `saved` whether the
 * campaign exists on the server (a step is tested against it).
 */
export function menuItems(
  doc: EditorDoc,
  target: MenuTarget,
  lastRunId: number | null,
  saved = lastRunId != null,
): MenuItem[] {
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
      const cannotTest = untestable(step?.kind, saved);
      const items: MenuItem[] = [
        { action: 'duplicate', label: 'Duplicate' },
        step?.block ? { action: 'ungroup', label: 'Ungroup block' } : { action: 'group', label: 'Group into a block' },
        { action: 'copyId', label: 'Copy step id' },
        cannotTest
          ? { action: 'test', label: 'Run this step (test)', disabled: true, hint: cannotTest }
          : { action: 'test', label: 'Run this step (test)' },
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
