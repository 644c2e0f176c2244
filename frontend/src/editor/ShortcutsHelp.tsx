import { SHORTCUTS } from './lib/shortcuts';

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="shortcuts-panel card" role="dialog" aria-label="Keyboard shortcuts" data-testid="shortcuts-help">
      <div className="shortcuts-header">
        <h3>Keyboard shortcuts</h3>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      <table className="table table-compact">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.command}>
              <td className="nowrap">
                {s.keys.map((k) => (
                  <kbd key={k}>{k}</kbd>
                ))}
              </td>
              <td>{s.label}</td>
            </tr>
          ))}
          <tr>
            <td className="nowrap">
              <kbd>Drag</kbd>
            </td>
            <td>
              on empty canvas: select with a box · <kbd>Space</kbd>+drag or middle button: pan · wheel: zoom
            </td>
          </tr>
          <tr>
            <td className="nowrap">
              <kbd>Shift</kbd>+click
            </td>
            <td>add to the selection</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
