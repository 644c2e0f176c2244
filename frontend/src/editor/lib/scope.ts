// What a step may refer to in `{{ … }}` placeholders: declared parameters and
// upstream steps. No React.
import { expandEdges } from './blockEdges';
import type { EditorDoc } from './doc';

export function ancestors(doc: EditorDoc, stepId: string): string[] {
  const parents = new Map<string, string[]>();
  for (const [source, target] of expandEdges(doc)) parents.set(target, [...(parents.get(target) ?? []), source]);
  const seen = new Set<string>();
  const stack = [...(parents.get(stepId) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || id === stepId) continue;
    seen.add(id);
    stack.push(...(parents.get(id) ?? []));
  }
  return doc.steps.map((s) => s.id).filter((id) => seen.has(id));
}

export interface Placeholder {
  text: string;
  label: string;
}

export function placeholdersFor(doc: EditorDoc, stepId: string): Placeholder[] {
  const params = doc.parameters
    .filter((p) => p.name)
    .map((p) => ({ text: `{{ params.${p.name} }}`, label: `parameter ${p.name}` }));
  const names = new Map(doc.steps.map((s) => [s.id, s.name]));
  const steps = ancestors(doc, stepId).map((id) => ({
    text: `{{ steps.${id}.result }}`,
    label: `result of ${names.get(id) || id}`,
  }));
  return [...params, ...steps];
}
