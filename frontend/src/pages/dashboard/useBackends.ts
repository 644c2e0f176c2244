import { useCallback, useEffect, useRef, useState } from 'react';
import { useInterval } from '../../hooks';
import { api, errorText } from '../../lib/api';
import type { BackendStatus } from '../../lib/types';

export const BACKENDS_REFRESH_MS = 10_000;

/** GET /api/backends/, refreshed every 10 s; the last good list stays while a refresh fails. */
export function useBackends(refreshMs: number = BACKENDS_REFRESH_MS) {
  const [backends, setBackends] = useState<BackendStatus[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const load = useCallback(() => {
    if (inFlight.current) return;
    const controller = new AbortController();
    inFlight.current = controller;
    api
      .backends(controller.signal)
      .then((list) => {
        setBackends(Array.isArray(list) ? list : []);
        setError(null);
      })
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(errorText(e));
      })
      .finally(() => {
        if (inFlight.current === controller) inFlight.current = null;
      });
  }, []);

  useEffect(() => {
    load();
    return () => {
      inFlight.current?.abort();
      inFlight.current = null;
    };
  }, [load]);
  useInterval(load, refreshMs);

  return { backends, error };
}
