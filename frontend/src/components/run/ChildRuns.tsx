import { useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import type { RunSummary } from '../../lib/api';
import { useChildRun, useChildRunList } from '../../lib/queries';
import type { ChildProgress, StepState } from '../../lib/types';
import { RunGraph } from '../RunGraph';
import { StateBadge } from '../StateBadge';

/** One child run's graph, drawn in place from its detail (refreshed while it runs). */
function ChildGraph({ id }: { id: number }) {
  const { data: run } = useChildRun(id);
  if (!run?.graph) return <div className="muted small">Loading child run…</div>;
  const states = new Map((run.steps ?? []).map((s) => [s.step, s]));
  return (
    <div className="child-graph" data-testid={`child-graph-${id}`}>
      <RunGraph
        graph={run.graph}
        stateOf={(sid) => (states.get(sid)?.state ?? 'pending') as StepState}
        attemptsOf={(sid) => states.get(sid)?.attempts ?? 0}
        selected={null}
        onSelect={() => undefined}
      />
    </div>
  );
}

export interface RunProgress {
  children: ChildProgress[];
  items: Record<string, readonly { state: string }[]>;
}

/** A child run's progress from its summary: how many of its steps succeeded, of how many. */
export function childProgress(child: RunSummary): ChildProgress {
  return {
    id: child.id,
    step: child.parent?.step ?? '',
    item: child.parent?.item ?? null,
    state: child.state,
    done: child.step_counts?.succeeded ?? 0,
    total: child.step_total ?? 0,
  };
}

/**
 * The child runs of a run's workflow steps, in their summary form (no step
 * rows, so a large parent or child costs a few bytes a child), read again
 * every second while the run is running.
 */
export function useChildRuns(runId: number, running: boolean, enabled: boolean): ChildProgress[] {
  const { data } = useChildRunList(runId, running, enabled);
  return useMemo(() => (data ?? []).map(childProgress).sort((x, y) => x.id - y.id), [data]);
}

/** "done/total" for a step: its items, or its child run's steps. */
export function stepProgress(progress: RunProgress, stepId: string): string | null {
  const items = progress.items[stepId];
  if (items?.length) return `${items.filter((i) => i.state === 'succeeded').length}/${items.length}`;
  const child = [...progress.children].reverse().find((c) => c.step === stepId && c.item == null);
  return child ? `${child.done}/${child.total}` : null;
}

/** The child runs of a run's workflow steps: progress, a link each, and its graph expanded in place. */
export function ChildRuns({ children }: { children: ChildProgress[] }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  if (children.length === 0) return null;
  const toggle = (id: number) =>
    setOpen((cur) => {
      const next = new Set(cur);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <section className="card child-runs-card" data-testid="child-runs">
      <h2 className="card-title">Child runs</h2>
      <ul className="child-runs">
        {children.map((c) => (
          <li key={c.id} data-testid={`child-run-${c.step}${c.item != null ? `-${c.item}` : ''}`} data-state={c.state}>
            <button
              type="button"
              className="btn btn-small btn-ghost"
              onClick={() => toggle(c.id)}
              aria-expanded={open.has(c.id)}
              data-testid={`child-toggle-${c.id}`}
            >
              {open.has(c.id) ? '▾' : '▸'}
            </button>{' '}
            <strong>{c.step}</strong>
            {c.item != null ? <span className="muted"> [{c.item}]</span> : null}{' '}
            <StateBadge state={c.state as StepState} />{' '}
            <span className="child-progress" data-testid={`child-progress-${c.id}`}>
              {c.done}/{c.total}
            </span>{' '}
            <Link to={`/runs/${c.id}`}>run #{c.id}</Link>
            {open.has(c.id) && <ChildGraph id={c.id} />}
          </li>
        ))}
      </ul>
    </section>
  );
}
