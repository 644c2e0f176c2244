import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, api, errorText } from './lib/api';
import { createLiveSocket, type LiveSocket, type LiveStatus } from './lib/liveSocket';
import {
  LOG_LINES_KEPT,
  applyEvent,
  createRunView,
  eventGap,
  stepLogLines,
  storedLogLines,
  type RunView,
  type StoredLog,
} from './lib/runState';
import type { Run, RunEvent } from './lib/types';

export interface RunLive {
  run: Run | null;
  view: RunView | null;
  status: LiveStatus;
  error: string | null;
  notFound: boolean;
}

/**
 * Loads a run's detail (a snapshot current to its `last_seq`), then follows
 * /ws/runs/{id}/?after=<seq>: the socket sends what happened since, then live
 * events, each once and in order. Every (re)connection resumes from the last
 * applied seq, so history is read once and nothing is refetched.
 */
export function useRunLive(runId: string | undefined): RunLive {
  const [run, setRun] = useState<Run | null>(null);
  const [view, setView] = useState<RunView | null>(null);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [notFound, setNotFound] = useState(false);
  // The folded view lives in a ref so the socket always knows the seq applied so far.
  const viewRef = useRef<RunView | null>(null);

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

  useEffect(() => {
    if (!loaded || !runId) return;
    const onEvent = (event: RunEvent) => {
      const current = viewRef.current;
      if (!current) return;
      if (eventGap(current, event)) {
        // The server sends in order without gaps; if one shows anyway, ask again from what we hold.
        socket.resume();
        return;
      }
      const next = applyEvent(current, event);
      if (next !== current) {
        viewRef.current = next;
        setView(next);
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

  return { run, view, status, error, notFound };
}

/**
 * The lines of one step's log: the stored log (its newest LOG_LINES_KEPT
 * lines), fetched when the step is chosen, followed by the `step.log` events
 * folded since.
 */
export function useStepLog(runId: number | undefined, step: string | null, view: RunView | null): string[] {
  const [stored, setStored] = useState<(StoredLog & { step: string }) | null>(null);
  const seqRef = useRef(0);
  useEffect(() => {
    seqRef.current = view?.lastSeq ?? 0;
  });
  const hasView = view != null;

  const load = useCallback(
    (signal: AbortSignal) => {
      if (runId == null || !step) return;
      const askedAt = seqRef.current;
      api
        .stepLog(runId, step, LOG_LINES_KEPT, signal)
        .then((text) => {
          if (!signal.aborted) setStored({ step, lines: storedLogLines(text), askedAt, arrivedAt: seqRef.current });
        })
        .catch(() => {
          /* the panel shows the lines of events only */
        });
    },
    [runId, step],
  );

  useEffect(() => {
    if (!hasView || !step) return;
    const ctrl = new AbortController();
    load(ctrl.signal);
    return () => ctrl.abort();
  }, [hasView, step, load]);

  const chunks = step ? view?.logs[step] : undefined;
  const forStep = stored?.step === step ? stored : null;
  return useMemo(() => (step ? stepLogLines(forStep, chunks ?? []) : []), [step, forStep, chunks]);
}
