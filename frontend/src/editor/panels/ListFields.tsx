import type { Placeholder } from '../lib/scope';
import { PlaceholderMenu } from './fields';

/** argv as an editable list of strings. */
export function ArgvList({
  argv,
  onChange,
  placeholders,
}: {
  argv: string[];
  onChange: (argv: string[]) => void;
  placeholders: Placeholder[];
}) {
  const set = (i: number, v: string) => onChange(argv.map((a, j) => (j === i ? v : a)));
  const move = (i: number, d: number) => {
    const next = argv.slice();
    const [x] = next.splice(i, 1);
    next.splice(i + d, 0, x);
    onChange(next);
  };
  return (
    <div className="list-field" data-testid="argv-list">
      {argv.map((a, i) => (
        <div className="list-row" key={i}>
          <span className="list-index muted small">{i}</span>
          <input
            value={a}
            onChange={(e) => set(i, e.target.value)}
            data-testid={`argv-${i}`}
            aria-label={`argument ${i}`}
          />
          <PlaceholderMenu options={placeholders} testId={`placeholder-argv-${i}`} onPick={(t) => set(i, a + t)} />
          <button
            type="button"
            className="btn btn-small btn-ghost"
            disabled={i === 0}
            onClick={() => move(i, -1)}
            title="Move up"
          >
            ↑
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => onChange(argv.filter((_, j) => j !== i))}
            title="Remove"
          >
            ×
          </button>
        </div>
      ))}
      <button type="button" className="btn btn-small" onClick={() => onChange([...argv, ''])} data-testid="argv-add">
        + argument
      </button>
    </div>
  );
}

/** env as name = value rows (kept in order while editing). */
export function EnvList({
  env,
  onChange,
}: {
  env: Record<string, string>;
  onChange: (env: Record<string, string>) => void;
}) {
  const rows = Object.entries(env);
  const write = (next: [string, string][]) => onChange(Object.fromEntries(next));
  return (
    <div className="list-field" data-testid="env-list">
      {rows.map(([k, v], i) => (
        <div className="list-row" key={i}>
          <input
            value={k}
            placeholder="NAME"
            onChange={(e) => write(rows.map((r, j) => (j === i ? [e.target.value, r[1]] : r)))}
            data-testid={`env-key-${i}`}
            aria-label="variable name"
          />
          <span>=</span>
          <input
            value={v}
            onChange={(e) => write(rows.map((r, j) => (j === i ? [r[0], e.target.value] : r)))}
            data-testid={`env-value-${i}`}
            aria-label="variable value"
          />
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => write(rows.filter((_, j) => j !== i))}
            title="Remove"
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="btn btn-small"
        onClick={() => write([...rows, [`VAR${rows.length + 1}`, '']])}
        data-testid="env-add"
      >
        + variable
      </button>
    </div>
  );
}
