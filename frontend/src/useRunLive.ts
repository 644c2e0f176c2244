import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, errorText } from './lib/api';
import { createLiveSocket, type LiveSocket, type LiveStatus } from './lib/liveSocket';
import { useRunSnapshot, useStoredLog } from './lib/queries';
import { applyEvent, createRunView, eventGap, stepLogLines, type RunView } from './lib/runState';
import type { Run, RunEvent } from './lib/types';

export interface RunLive {
  run: Run | null;
  view: RunView | null;
  status: LiveStatus;
  error: string | null;
  notFound: boolean;
}

/**
 * Loads a run's detail (a snapshot current to its `last_seq`, through the query cache), then follows
 * /ws/runs/{id}/?after=<seq>: the socket sends what happened since, then live events, each once and in order.
 * Every (re)connection resumes from the last applied seq, so history is read once and nothing is refetched.
 * Only a snapshot of the run asked for last starts a view: an answer for an earlier id never shows.
 */
export function useRunLive(runId: string | undefined): RunLive {
  const valid = !!runId && /^\d+$/.test(runId);
  const snapshot = useRunSnapshot(valid ? runId : undefined);
  const [live, setLive] = useState<{ run: Run; view: RunView } | null>(null);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  // The folded view lives in a ref so the socket always knows the seq applied so far.
  const viewRef = useRef<RunView | null>(null);
  const first = valid && snapshot.data && String(snapshot.data.id) === runId ? snapshot.data : null;

  useEffect(() => setStatus('connecting'), [runId]);
  useEffect(() => {
    // A later answer for the same run (a refetch) does not replace the view: the socket keeps it current.
    if (!first || viewRef.current?.runId === first.id) return;
    const view = createRunView(first);
    viewRef.current = view;
    setLive({ run: first, view });
  }, [first]);

  const current = live && String(live.run.id) === runId ? live : null;
  const loaded = current != null;

  useEffect(() => {
    if (!loaded || !runId) return;
    const onEvent = (event: RunEvent) => {
      const view = viewRef.current;
      if (!view || String(view.runId) !== runId) return;
      if (eventGap(view, event)) {
        // The server sends in order without gaps; if one shows anyway, ask again from what we hold.
        socket.resume();
        return;
      }
      const next = applyEvent(view, event);
      if (next !== view) {
        viewRef.current = next;
        setLive((cur) => (cur && cur.run.id === next.runId ? { ...cur, view: next } : cur));
      }
    };
    const socket: LiveSocket = createLiveSocket<RunEvent>({
      path: `/ws/runs/${runId}/`,
      after: () => viewRef.current?.lastSeq ?? 0,
      onMessage: onEvent,
      onStatus: setStatus,
    });
    return () => socket.close();
  }, [loaded, runId]);

  const failure = valid && !current ? snapshot.error : null;
  const notFound = !valid || (failure instanceof ApiError && failure.status === 404);
  return {
    run: current?.run ?? null,
    view: current?.view ?? null,
    status,
    error: failure && !notFound ? errorText(failure) : null,
    notFound,
  };
}

/**
 * The lines of one step's log: the stored log (its newest LOG_LINES_KEPT lines), fetched when the step is
 * chosen, followed by the `step.log` events folded since. Only the log of the step shown last is shown.
 */
export function useStepLog(runId: number | undefined, step: string | null, view: RunView | null): string[] {
  const seqRef = useRef(0);
  useEffect(() => {
    seqRef.current = view?.lastSeq ?? 0;
  });
  const stored = useStoredLog(runId, step, view != null, () => seqRef.current);
  const chunks = step ? view?.logs[step] : undefined;
  const forStep = stored.data ?? null;
  return useMemo(() => (step ? stepLogLines(forStep, chunks ?? []) : []), [step, forStep, chunks]);
}
