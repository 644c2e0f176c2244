/** The problems list and the passing message shown over the canvas. */
export function ProblemsPanel({ problems, onClose }: { problems: readonly string[]; onClose: () => void }) {
  return (
    <div className="problems-panel card" data-testid="problems-panel">
      <div className="shortcuts-header">
        <h3>Problems</h3>
        <button type="button" className="btn btn-small btn-ghost" onClick={onClose} aria-label="Close">
          ×
        </button>
      </div>
      <ul>
        {problems.map((m, i) => (
          <li key={i}>{m}</li>
        ))}
      </ul>
    </div>
  );
}

export function EditorToast({ text, tone }: { text: string; tone: 'error' | 'info' }) {
  return (
    <div
      className={`editor-toast tone-${tone}`}
      role={tone === 'error' ? 'alert' : 'status'}
      data-testid="editor-toast"
      data-tone={tone}
    >
      {text}
    </div>
  );
}
