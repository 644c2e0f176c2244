// A block's state on the run page is the server's fold of its steps' states (graph/states.py, served as the
// run detail's `blocks` and GET /api/runs/{id}/blocks/): the browser does not fold them a second time. The
// detail's blocks answer its snapshot; when a block's steps change state in the live events, the blocks are
// asked for again through the query layer, at most once a second, so a busy run costs one small request a second.
import { useEffect, useMemo, useRef, useState } from 'react';
import { useRunBlocks } from '../../lib/queries';
import type { RunView } from '../../lib/runState';
import type { RunBlock, StepState } from '../../lib/types';

/** The least time between two asks for a run's blocks. */
export const BLOCKS_REFRESH_MS = 1000;

/** What the blocks' states depend on: their steps' states in the view. */
export function blocksBasis(blocks: readonly RunBlock[], view: RunView): string {
  return blocks.map((b) => `${b.id}:${b.steps.map((id) => view.steps[id]?.state ?? '').join(',')}`).join(';');
}

interface Asked {
  run: number | undefined;
  /** The basis the newest answer (or the detail's blocks, for ask 0) stands for. */
  basis: string | null;
  ask: number;
  at: number;
}

/** Each block's state (by block id), as the server last folded it for what `view` shows. */
export function useBlockStates(
  runId: number | undefined,
  initial: readonly RunBlock[] | undefined,
  view: RunView | null,
): Record<string, StepState> {
  // Which steps make up each block comes with the run's graph: the detail's blocks say it once.
  const basis = useMemo(() => (view && initial?.length ? blocksBasis(initial, view) : null), [initial, view]);
  const [asked, setAsked] = useState<Asked>({ run: runId, basis: null, ask: 0, at: 0 });
  if (asked.run !== runId) setAsked({ run: runId, basis: null, ask: 0, at: 0 });
  const latest = useRef(basis);
  latest.current = basis;

  useEffect(() => {
    if (basis == null || asked.run !== runId || basis === asked.basis) return;
    // The detail's blocks answer the snapshot the view starts from.
    if (asked.basis == null) return setAsked((a) => ({ ...a, basis }));
    const timer = setTimeout(
      () => setAsked((a) => ({ ...a, basis: latest.current, ask: a.ask + 1, at: Date.now() })),
      Math.max(0, asked.at + BLOCKS_REFRESH_MS - Date.now()),
    );
    return () => clearTimeout(timer);
  }, [asked, basis, runId]);

  const { data } = useRunBlocks(runId, asked.run === runId ? asked.ask : 0);
  return useMemo(
    () => Object.fromEntries((data ?? initial ?? []).map((b) => [b.id, b.state as StepState])),
    [data, initial],
  );
}
