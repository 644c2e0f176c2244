// Cycle checks for new connections. No React.
import type { GraphEdge } from '../../lib/types';

/** Shortest path of step ids from `from` to `to` along `edges`, or null. */
export function findPath(edges: readonly GraphEdge[], from: string, to: string): string[] | null {
  if (from === to) return [from];
  const next = new Map<string, string[]>();
  for (const e of edges) {
    const list = next.get(e.source);
    if (list) list.push(e.target);
    else next.set(e.source, [e.target]);
  }
  const previous = new Map<string, string>();
  const queue = [from];
  const seen = new Set([from]);
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    for (const t of next.get(at) ?? []) {
      if (seen.has(t)) continue;
      seen.add(t);
      previous.set(t, at);
      if (t === to) {
        const path = [to];
        let p = to;
        while (p !== from) {
          p = previous.get(p)!;
          path.unshift(p);
        }
        return path;
      }
      queue.push(t);
    }
  }
  return null;
}

/**
 * The cycle that adding source → target would close (as a path that starts
 * and ends at `target`), or null when the connection is safe.
 */
export function connectionCycle(edges: readonly GraphEdge[], source: string, target: string): string[] | null {
  if (source === target) return [source, source];
  const back = findPath(edges, target, source);
  return back ? [...back, target] : null;
}

export function describeCycle(path: readonly string[], nameOf: (id: string) => string = (id) => id): string {
  return `That connection would make a cycle: ${path.map(nameOf).join(' → ')}`;
}
