import { Icon, type IconName } from '../components/Icon';
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
  /** A tool: an editor command (its test id `tool-<command>`), or an action of its own. */
  const btn = (
    action: Command | { run: () => void; testId: string },
    icon: IconName,
    label: string,
    title: string,
    disabled = false,
  ) => (
    <button
      type="button"
      className="btn btn-small btn-tool"
      onClick={typeof action === 'string' ? () => p.onCommand(action) : action.run}
      disabled={disabled}
      title={title}
      aria-label={label}
      data-testid={typeof action === 'string' ? `tool-${action}` : action.testId}
    >
      <Icon name={icon} />
      <span className="tool-label">{label}</span>
    </button>
  );
  return (
    <div className="editor-toolbar" data-testid="editor-toolbar">
      <label className="editor-name-field">
        <input
          className={`editor-name${p.name.trim() ? '' : ' is-blank'}`}
          value={p.name}
          onChange={(e) => p.onName(e.target.value)}
          placeholder="Campaign name"
          title={p.name}
          aria-label="Campaign name"
          aria-invalid={!p.name.trim()}
          data-testid="campaign-name"
        />
        {!p.name.trim() && (
          <span className="editor-name-error" role="alert" data-testid="campaign-name-error">
            A campaign needs a name
          </span>
        )}
      </label>
      <span className="muted small editor-version" data-testid="editor-version">
        {p.version != null ? `v${p.version}` : 'new'}
        {p.dirty && (
          <span className="dirty-dot" data-testid="unsaved" title="Unsaved changes">
            {' '}
            • unsaved
          </span>
        )}
      </span>
      <div className="toolbar-group">
        {btn('undo', 'undo', 'Undo', 'Undo (Ctrl+Z)', !p.canUndo)}
        {btn('redo', 'redo', 'Redo', 'Redo (Ctrl+Shift+Z)', !p.canRedo)}
      </div>
      <div className="toolbar-group">
        {btn('copy', 'copy', 'Copy', 'Copy (Ctrl+C)', !p.hasSelection)}
        {btn('cut', 'cut', 'Cut', 'Cut (Ctrl+X)', !p.hasSelection)}
        {btn('paste', 'paste', 'Paste', 'Paste (Ctrl+V)')}
        {btn('delete', 'trash', 'Delete', 'Delete (Del)', !p.hasSelection)}
      </div>
      <div className="toolbar-group">
        {btn('group', 'group', 'Group', 'Group into a block (Ctrl+G)', !p.hasSelection)}
        {btn('ungroup', 'ungroup', 'Ungroup', 'Ungroup block (Ctrl+Shift+G)')}
        {btn('note', 'note', 'Note', 'Add a sticky note (N)')}
        {btn('layout', 'layout', 'Auto-layout', 'Auto-layout (L)')}
        {btn('fit', 'fit', 'Fit', 'Zoom to fit (F)')}
      </div>
      <div className="toolbar-group">
        {btn({ run: p.onImport, testId: 'tool-import' }, 'import', 'Import', 'Import a campaign JSON file')}
        {btn({ run: p.onExport, testId: 'tool-export' }, 'export', 'Export', 'Download this campaign as JSON')}
        {btn('help', 'help', 'Shortcuts', 'Keyboard shortcuts (?)')}
      </div>
      <div className="toolbar-spacer" />
      {p.problems > 0 && (
        <button
          type="button"
          className="btn btn-small btn-danger-ghost"
          onClick={p.onShowProblems}
          data-testid="editor-problems"
        >
          <Icon name="warning" /> {p.problems} problem{p.problems === 1 ? '' : 's'}
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
