import type { Command } from './lib/shortcuts';

interface Props {
  name: string;
  onName: (name: string) => void;
  version: number | null;
  dirty: boolean;
  saving: boolean;
  canUndo: boolean;
  canRedo: boolean;
  hasSelection: boolean;
  problems: number;
  onCommand: (command: Command) => void;
  onExport: () => void;
  onImport: () => void;
  onLaunch: (() => void) | null;
  onShowProblems: () => void;
  /** Why saving or launching would be refused (executable steps without the right), or null. */
  saveBlocked?: string | null;
  launchBlocked?: string | null;
}

export function EditorToolbar(p: Props) {
  const btn = (command: Command, label: string, title: string, disabled = false, testId = `tool-${command}`) => (
    <button type="button" className="btn btn-small" onClick={() => p.onCommand(command)} disabled={disabled} title={title} data-testid={testId}>
      {label}
    </button>
  );
  return (
    <div className="editor-toolbar" data-testid="editor-toolbar">
      <input
        className="editor-name"
        value={p.name}
        onChange={(e) => p.onName(e.target.value)}
        aria-label="Campaign name"
        data-testid="campaign-name"
      />
      <span className="muted small" data-testid="editor-version">
        {p.version != null ? `v${p.version}` : 'new'}
        {p.dirty && <span className="dirty-dot" data-testid="unsaved" title="Unsaved changes"> • unsaved</span>}
      </span>
      <div className="toolbar-group">
        {btn('undo', '↶ Undo', 'Undo (Ctrl+Z)', !p.canUndo)}
        {btn('redo', '↷ Redo', 'Redo (Ctrl+Shift+Z)', !p.canRedo)}
      </div>
      <div className="toolbar-group">
        {btn('copy', 'Copy', 'Copy (Ctrl+C)', !p.hasSelection)}
        {btn('cut', 'Cut', 'Cut (Ctrl+X)', !p.hasSelection)}
        {btn('paste', 'Paste', 'Paste (Ctrl+V)')}
        {btn('delete', 'Delete', 'Delete (Del)', !p.hasSelection)}
      </div>
      <div className="toolbar-group">
        {btn('group', 'Group', 'Group into a block (Ctrl+G)', !p.hasSelection)}
        {btn('ungroup', 'Ungroup', 'Ungroup block (Ctrl+Shift+G)')}
        {btn('layout', 'Auto-layout', 'Auto-layout (L)')}
        {btn('fit', 'Fit', 'Zoom to fit (F)')}
      </div>
      <div className="toolbar-group">
        <button type="button" className="btn btn-small" onClick={p.onImport} data-testid="tool-import" title="Import a campaign JSON file">
          Import
        </button>
        <button type="button" className="btn btn-small" onClick={p.onExport} data-testid="tool-export" title="Download this campaign as JSON">
          Export
        </button>
        {btn('help', '?', 'Keyboard shortcuts (?)')}
      </div>
      <div className="toolbar-spacer" />
      {p.problems > 0 && (
        <button type="button" className="btn btn-small btn-danger-ghost" onClick={p.onShowProblems} data-testid="editor-problems">
          ⚠ {p.problems} problem{p.problems === 1 ? '' : 's'}
        </button>
      )}
      <button
        type="button"
        className="btn btn-small"
        onClick={p.onLaunch ?? undefined}
        disabled={!p.onLaunch || !!p.launchBlocked}
        title={p.launchBlocked ?? (p.onLaunch ? 'Launch runs of the saved version' : 'Save first to launch')}
        data-testid="editor-launch"
      >
        Launch…
      </button>
      <button
        type="button"
        className="btn btn-small btn-primary"
        onClick={() => p.onCommand('save')}
        disabled={p.saving || !!p.saveBlocked}
        title={p.saveBlocked ?? 'Save a new version (Ctrl+S)'}
        data-testid="editor-save"
      >
        {p.saving ? 'Saving…' : 'Save'}
      </button>
    </div>
  );
}
