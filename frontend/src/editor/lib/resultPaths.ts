// The `{{ steps.ID.result.… }}` paths a step's last result offers to the placeholder menu. No React.
import type { Placeholder } from './scope';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const STEP_RESULT = /^\{\{ steps\.([^\s.]+)\.result \}\}$/;

function preview(value: unknown): string {
  if (Array.isArray(value)) return `list of ${value.length}`;
  if (value && typeof value === 'object') return 'object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

/** Every key and first list item path under `value`, depth first, up to `limit` paths. */
export function resultPaths(value: unknown, base: string, depth = 3, limit = 40): { path: string; value: unknown }[] {
  const out: { path: string; value: unknown }[] = [];
  const walk = (v: unknown, path: string, left: number) => {
    if (left === 0 || out.length >= limit) return;
    if (Array.isArray(v)) {
      if (!v.length) return;
      const item = `${path}[0]`;
      out.push({ path: item, value: v[0] });
      walk(v[0], item, left - 1);
    } else if (v && typeof v === 'object') {
      for (const [key, child] of Object.entries(v as Record<string, unknown>)) {
        if (out.length >= limit) return;
        if (!IDENTIFIER.test(key)) continue;
        const sub = `${path}.${key}`;
        out.push({ path: sub, value: child });
        walk(child, sub, left - 1);
      }
    }
  };
  walk(value, base, depth);
  return out;
}

/** The options, each step result followed by the fields its last run's result had. */
export function withResultPaths(options: Placeholder[], results: Readonly<Record<string, unknown>>): Placeholder[] {
  return options.flatMap((option) => {
    const step = STEP_RESULT.exec(option.text)?.[1];
    if (!step || !(step in results)) return [option];
    const fields = resultPaths(results[step], `steps.${step}.result`).map(({ path, value }) => ({
      text: `{{ ${path} }}`,
      label: `last run: ${preview(value)}`,
    }));
    return [option, ...fields];
  });
}
