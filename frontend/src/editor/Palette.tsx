import { useMemo, useState, type DragEvent } from 'react';
import type { Campaign, ExecutableRight, FunctionInfo } from '../lib/types';
import { PALETTE_MIME, type PaletteItem } from './canvas/EditorCanvas';
import { HidePanelButton } from './HidePanelButton';

interface Props {
  functions: FunctionInfo[] | null;
  error: string | null;
  onAdd: (item: PaletteItem) => void;
  onCollapse?: () => void;
  /** Whether executable steps may be used here; when not, the item is disabled and says why. */
  executables?: ExecutableRight;
  /** Campaigns you may see, each droppable as a workflow step (the one being edited left out). */
  campaigns?: Campaign[] | null;
}

function startDrag(e: DragEvent, item: PaletteItem) {
  e.dataTransfer.setData(PALETTE_MIME, JSON.stringify(item));
  e.dataTransfer.setData('text/plain', item.function ?? item.campaign?.name ?? item.kind);
  e.dataTransfer.effectAllowed = 'copy';
}

function Item({
  item,
  label,
  hint,
  testId,
  onAdd,
  disabledReason,
}: {
  item: PaletteItem;
  label: string;
  hint: string;
  testId: string;
  onAdd: Props['onAdd'];
  disabledReason?: string | null;
}) {
  if (disabledReason) {
    return (
      <li
        className={`palette-item palette-${item.kind} palette-disabled`}
        aria-disabled="true"
        tabIndex={0}
        title={disabledReason}
        data-testid={testId}
      >
        <span className="palette-label">{label}</span>
        <span className="palette-hint" data-testid={`${testId}-reason`}>
          Not available: {disabledReason}
        </span>
      </li>
    );
  }
  return (
    <li
      className={`palette-item palette-${item.kind}`}
      draggable
      onDragStart={(e) => startDrag(e, item)}
      onDoubleClick={() => onAdd(item)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onAdd(item);
      }}
      tabIndex={0}
      title={`${hint}\nDrag onto the canvas, or double-click / Enter to add`}
      data-testid={testId}
    >
      <span className="palette-label">{label}</span>
      <span className="palette-hint">{hint}</span>
    </li>
  );
}

/** Registered functions, an executable step, a block and a sticky note, to drag onto the canvas. */
export function Palette({ functions, error, onAdd, onCollapse, executables, campaigns }: Props) {
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (functions ?? []).filter(
      (f) => !q || f.name.toLowerCase().includes(q) || f.description.toLowerCase().includes(q),
    );
  }, [functions, filter]);
  const shownCampaigns = useMemo(() => {
    const q = filter.trim().toLowerCase();
    return (campaigns ?? []).filter(
      (c) => !q || c.name.toLowerCase().includes(q) || (c.description ?? '').toLowerCase().includes(q),
    );
  }, [campaigns, filter]);
  return (
    <aside className="palette" data-testid="palette" aria-label="Palette">
      <div className="palette-head">
        <input
          className="palette-search"
          placeholder="Search functions and campaigns…"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          aria-label="Search functions and campaigns"
        />
        {onCollapse && <HidePanelButton side="palette" onHide={onCollapse} />}
      </div>
      <div className="palette-section">Functions</div>
      {error && <div className="field-error small">Could not load functions: {error}</div>}
      {!functions && !error && <div className="muted small">Loading…</div>}
      <ul className="palette-list">
        {shown.map((f) => (
          <Item
            key={f.name}
            item={{ kind: 'function', function: f.name }}
            label={f.name}
            hint={f.description || 'step function'}
            testId={`palette-fn-${f.name}`}
            onAdd={onAdd}
          />
        ))}
      </ul>
      <div className="palette-section">Campaigns (workflow steps)</div>
      <ul className="palette-list" data-testid="palette-campaigns">
        {campaigns && shownCampaigns.length === 0 && <li className="muted small">No campaign matches.</li>}
        {shownCampaigns.map((c) => (
          <Item
            key={c.id}
            item={{
              kind: 'workflow',
              campaign: { id: c.id, name: c.name, version: c.version, parameters: c.parameters ?? [] },
            }}
            label={c.name}
            hint={`workflow step: runs v${c.version} as a child run`}
            testId={`palette-campaign-${c.id}`}
            onAdd={onAdd}
          />
        ))}
      </ul>
      <div className="palette-section">Other</div>
      <ul className="palette-list">
        <Item
          item={{ kind: 'executable' }}
          label="Executable"
          hint="Run a program (argv, env, cwd)"
          testId="palette-executable"
          onAdd={onAdd}
          disabledReason={
            executables && !executables.allowed ? (executables.reason ?? 'executable steps are not allowed here') : null
          }
        />
        <Item
          item={{ kind: 'block' }}
          label="Block"
          hint="Group the selected steps"
          testId="palette-block"
          onAdd={onAdd}
        />
        <Item
          item={{ kind: 'note' }}
          label="Sticky note"
          hint="A markdown note on the canvas (makes no version)"
          testId="palette-note"
          onAdd={onAdd}
        />
      </ul>
    </aside>
  );
}
