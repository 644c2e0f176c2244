// A block's state on the run page is the server's fold of its steps' states (graph/states.py, served as the
// run detail's `blocks` and GET /api/runs/{id}/blocks/): the browser does not fold them a second time. The
// detail's blocks answer its snapshot; when a block's steps change state in the live events, the blocks are
// asked for again, at most once a second, so a busy run costs one small request a second.
import { useEffect, useMemo, useRef, useState } from 'react';
import { api } from '../../lib/api';
import type { RunView } from '../../lib/runState';
import type { RunBlock, StepState } from '../../lib/types';

/** The least time between two asks for a run's blocks. */
export const BLOCKS_REFRESH_MS = 1000;

/** What the blocks' states depend on: their steps' states in the view. */
export function blocksBasis(blocks: readonly RunBlock[], view: RunView): string {
  return blocks.map((b) => `${b.id}:${b.steps.map((id) => view.steps[id]?.state ?? '').join(',')}`).join(';');
}

/** Each block's state (by block id), as the server last folded it for what `view` shows. */
export function useBlockStates(
  runId: number | undefined,
  initial: readonly RunBlock[] | undefined,
  view: RunView | null,
): Record<string, StepState> {
  const [blocks, setBlocks] = useState<readonly RunBlock[]>(initial ?? []);
  // Another run's detail (or the first one loaded) brings its own blocks: start from them.
  const [blocksOf, setBlocksOf] = useState(runId);
  const answered = useRef<string | null>(null);
  if (runId !== blocksOf) {
    setBlocksOf(runId);
    setBlocks(initial ?? []);
    answered.current = null;
  }
  // Bumped when an ask ends, so a change that arrived meanwhile is asked for.
  const [asks, setAsks] = useState(0);
  const basis = useMemo(() => (view && blocks.length ? blocksBasis(blocks, view) : null), [blocks, view]);
  const current = useRef<string | null>(null);
  const busy = useRef(false);
  const lastAsk = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const ctrl = useRef<AbortController | null>(null);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      ctrl.current?.abort();
    },
    [],
  );

  useEffect(() => {
    current.current = basis;
    if (basis == null || runId == null) return;
    // The detail's blocks answer the snapshot the view starts from.
    if (answered.current == null) answered.current = basis;
    if (basis === answered.current || busy.current || timer.current) return;
    const ask = () => {
      timer.current = null;
      busy.current = true;
      lastAsk.current = Date.now();
      const askedFor = current.current;
      ctrl.current = new AbortController();
      api
        .runBlocks(runId, ctrl.current.signal)
        .then((fresh) => {
          answered.current = askedFor;
          setBlocks(fresh);
        })
        .catch(() => {
          /* the lanes keep the last states the server gave */
        })
        .finally(() => {
          busy.current = false;
          if (!ctrl.current?.signal.aborted) setAsks((n) => n + 1);
        });
    };
    timer.current = setTimeout(ask, Math.max(0, lastAsk.current + BLOCKS_REFRESH_MS - Date.now()));
  }, [basis, runId, asks]);

  return useMemo(() => Object.fromEntries(blocks.map((b) => [b.id, b.state as StepState])), [blocks]);
}
