import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorText } from '../../lib/api';
import { DashboardStore } from '../../lib/dashboardStore';
import { createLiveSocket, type LiveStatus } from '../../lib/liveSocket';
import type { RunEvent } from '../../lib/types';
import { BENCH_BUILD } from '../../lib/bench';

/** Labels, counts and row grouping refresh at most this often; the canvas follows events every frame. */
const REFRESH_MS = 250;
const MISSING_BATCH = 500;

export interface DashboardQuery {
  minutes: number;
  campaign: number | null;
  owner: string | null;
}

/**
 * The dashboard feed, then every event of every visible run from /ws/dashboard/,
 * folded into one mutable store. Runs the socket names but the store lacks are
 * fetched in batches; after a reconnect the feed is reloaded (the dashboard
 * socket does not replay).
 */
export function useDashboardData(query: DashboardQuery) {
  const storeRef = useRef<DashboardStore>(null);
  if (!storeRef.current) storeRef.current = new DashboardStore();
  const store = storeRef.current;
  const [tick, setTick] = useState(0);
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [truncated, setTruncated] = useState(false);
  const queryRef = useRef(query);
  queryRef.current = query;

  const load = useCallback(
    async (signal?: AbortSignal) => {
      const q = queryRef.current;
      try {
        const feed = await api.dashboard(
          { minutes: q.minutes, campaign: q.campaign ?? undefined, owner: q.owner ?? undefined },
          signal,
        );
        if (signal?.aborted) return;
        store.load(feed);
        setTruncated(feed.truncated);
        setLoaded(true);
        setError(null);
        setTick((t) => t + 1);
      } catch (err) {
        if (signal?.aborted) return;
        setError(errorText(err));
      }
    },
    [store],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    setLoaded(false);
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, [load, query.minutes, query.campaign, query.owner]);

  useEffect(() => {
    let wasDown = false;
    const socket = createLiveSocket<RunEvent>({
      path: '/ws/dashboard/',
      onMessage: (ev) => {
        store.applyEvent(ev);
        if (BENCH_BUILD && window.__dashPerf) window.__dashPerf.events += 1;
      },
      onStatus: (s) => {
        setStatus(s);
        if (s === 'reconnecting') wasDown = true;
        if (s === 'live' && wasDown) {
          wasDown = false;
          void load();
        }
      },
    });
    return () => socket.close();
  }, [store, load]);

  // Throttled refresh of everything React renders, and fetching of runs we lack.
  useEffect(() => {
    let seen = store.version;
    let fetching = false;
    const id = setInterval(() => {
      if (store.version !== seen) {
        seen = store.version;
        setTick((t) => t + 1);
      }
      if (fetching || !store.missing.size) return;
      const ids = [...store.missing].slice(0, MISSING_BATCH);
      for (const i of ids) store.missing.delete(i);
      fetching = true;
      const q = queryRef.current;
      api
        .dashboard({ ids, minutes: q.minutes })
        .then((feed) => store.merge(feed.runs))
        .catch(() => ids.forEach((i) => store.missing.add(i)))
        .finally(() => {
          fetching = false;
        });
    }, REFRESH_MS);
    return () => clearInterval(id);
  }, [store]);

  return { store, tick, status, error, loaded, truncated, reload: load };
}
