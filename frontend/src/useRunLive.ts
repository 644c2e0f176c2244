import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api, errorText } from './lib/api';
import { createLiveSocket, type LiveStatus } from './lib/liveSocket';
import { applyEvent, applyEvents, caughtUp, createRunView, isRunTerminal, type RunView } from './lib/runState';
import type { Run, RunEvent } from './lib/types';

/** How long events may wait behind a missing seq before we fetch the gap over HTTP. */
const GAP_FILL_MS = 1000;
/** While the socket is down, poll the events endpoint this often. */
const FALLBACK_POLL_MS = 3000;

export interface RunLive {
  run: Run | null;
  view: RunView | null;
  status: LiveStatus;
  error: string | null;
  notFound: boolean;
}

/**
 * Loads a run, then follows its events over /ws/runs/{id}/ (from after=0),
 * folding them into a RunView. Reconnects resume from the last applied seq.
 */
export function useRunLive(runId: string | undefined): RunLive {
  const [run, setRun] = useState<Run | null>(null);
  const [view, setView] = useState<RunView | null>(null);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);
  // The folded view lives in a ref so the socket always knows the seq applied so far.
  const viewRef = useRef<RunView | null>(null);

  const fold = useCallback((events: RunEvent | readonly RunEvent[]) => {
    const current = viewRef.current;
    if (!current) return;
    const next = Array.isArray(events) ? applyEvents(current, events) : applyEvent(current, events as RunEvent);
    if (next !== current) {
      viewRef.current = next;
      setView(next);
    }
  }, []);

  // 1. Load the run detail (graph, step names, snapshot).
  useEffect(() => {
    setRun(null);
    setView(null);
    setError(null);
    setNotFound(false);
    setStatus('connecting');
    viewRef.current = null;
    if (!runId || !/^\d+$/.test(runId)) {
      setNotFound(true);
      return;
    }
    const ctrl = new AbortController();
    api
      .run(runId, ctrl.signal)
      .then((r) => {
        if (ctrl.signal.aborted) return;
        const v = createRunView(r);
        viewRef.current = v;
        setRun(r);
        setView(v);
      })
      .catch((err) => {
        if (ctrl.signal.aborted) return;
        if (err instanceof ApiError && err.status === 404) setNotFound(true);
        else setError(errorText(err));
      });
    return () => ctrl.abort();
  }, [runId]);

  const loaded = run != null && String(run.id) === runId;

  // 2. Follow the event stream once the run is loaded.
  useEffect(() => {
    if (!loaded || !runId) return;
    const socket = createLiveSocket<RunEvent>({
      path: `/ws/runs/${runId}/`,
      after: () => viewRef.current?.lastSeq ?? 0,
      onMessage: (ev) => fold(ev),
      onStatus: setStatus,
    });
    return () => socket.close();
  }, [loaded, runId, fold]);

  // 3. Fetch over HTTP: to fill a gap that doesn't close by itself, and
  //    periodically while the socket is not live (keeps the page current).
  const fetchMissing = useCallback(
    (signal?: AbortSignal) => {
      const v = viewRef.current;
      if (!v || !runId) return;
      api
        .runEvents(runId, v.lastSeq, signal)
        .then((events) => {
          if (!signal?.aborted && Array.isArray(events)) fold(events);
        })
        .catch(() => {
          /* the socket or the next poll will catch up */
        });
    },
    [runId, fold],
  );

  const gapPending = (view?.pending.length ?? 0) > 0;
  const gapSeq = view?.lastSeq ?? 0;
  useEffect(() => {
    if (!gapPending) return;
    const ctrl = new AbortController();
    const t = setTimeout(() => fetchMissing(ctrl.signal), GAP_FILL_MS);
    return () => {
      clearTimeout(t);
      ctrl.abort();
    };
  }, [gapPending, gapSeq, fetchMissing]);

  const finished = view != null && caughtUp(view) && isRunTerminal(view.state);
  const needPolling = loaded && status !== 'live' && !finished;
  useEffect(() => {
    if (!needPolling) return;
    const ctrl = new AbortController();
    const t = setInterval(() => fetchMissing(ctrl.signal), FALLBACK_POLL_MS);
    return () => {
      clearInterval(t);
      ctrl.abort();
    };
  }, [needPolling, fetchMissing]);

  return { run, view, status, error, notFound };
}
