// A 409 answer to a save (someone saved a newer version): what changed, in words. No React.

type Item = Record<string, unknown>;

function nameOf(item: unknown, key: string): string {
  if (item && typeof item === 'object') {
    const obj = item as Item;
    if (key === 'edge') return `${String(obj.source)} → ${String(obj.target)}`;
    const id = obj[key === 'parameter' ? 'name' : 'id'];
    const fields = Array.isArray(obj.changes)
      ? obj.changes
      : obj.changes && typeof obj.changes === 'object'
        ? Object.keys(obj.changes)
        : [];
    const what = fields.map((f) => (typeof f === 'string' ? f : ((f as Item)?.field ?? ''))).filter(Boolean);
    return `${String(id)}${what.length ? ` (${what.join(', ')})` : ''}`;
  }
  return String(item);
}

/** Lines like "steps changed: s2 (kwargs)", from the server's `changes` (a diff object or a list of strings). */
export function describeChanges(changes: unknown): string[] {
  if (Array.isArray(changes)) return changes.map((c) => (typeof c === 'string' ? c : JSON.stringify(c)));
  if (!changes || typeof changes !== 'object') return [];
  const out: string[] = [];
  for (const [section, noun] of [
    ['steps', 'step'],
    ['edges', 'edge'],
    ['parameters', 'parameter'],
  ] as const) {
    const part = (changes as Item)[section];
    if (!part || typeof part !== 'object') continue;
    for (const kind of ['added', 'removed', 'changed']) {
      const items = (part as Item)[kind];
      if (Array.isArray(items) && items.length)
        out.push(`${section} ${kind}: ${items.map((i) => nameOf(i, noun)).join(', ')}`);
    }
  }
  return out;
}
