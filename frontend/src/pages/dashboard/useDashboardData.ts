import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { api, errorText } from '../../lib/api';
import { DashboardStore } from '../../lib/dashboardStore';
import { createLiveSocket, type LiveStatus } from '../../lib/liveSocket';
import { queryKeys } from '../../lib/queries';
import type { RunEvent } from '../../lib/types';
import { BENCH_BUILD } from '../../lib/bench';

const MISSING_BATCH = 500;
const MISSING_RETRY_MS = 1000;

export interface DashboardQuery {
  minutes: number;
  campaign: number | null;
  owner: string | null;
}

/**
 * The dashboard feed (a query), then every event of every visible run from /ws/dashboard/,
 * folded into one mutable store that React reads through useSyncExternalStore: once per
 * animation frame, however many events it brought. Runs the socket names but the store lacks
 * are fetched in batches; after a reconnect the feed is fetched again (the dashboard socket
 * does not replay).
 */
export function useDashboardData(query: DashboardQuery) {
  const [store] = useState(() => new DashboardStore());
  const client = useQueryClient();
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const version = useSyncExternalStore(store.subscribe, store.getSnapshot);

  const feedQuery = { minutes: query.minutes, campaign: query.campaign ?? undefined, owner: query.owner ?? undefined };
  const feed = useQuery({
    queryKey: queryKeys.dashboardFeed(feedQuery),
    queryFn: ({ signal }) => api.dashboard(feedQuery, signal),
    // The store holds the live state; the cache only hands each fetched feed over once.
    structuralSharing: false,
    gcTime: 0,
  });
  const { refetch } = feed;

  useEffect(() => {
    if (feed.data) store.load(feed.data);
  }, [store, feed.data]);

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
          void refetch();
        }
      },
    });
    return () => socket.close();
  }, [store, refetch]);

  // Runs that events named but the store lacks: fetched a batch at a time, after the frame that found them.
  const minutes = query.minutes;
  useEffect(() => {
    let fetching = false;
    let closed = false;
    const fetchMissing = () => {
      if (fetching || closed || !store.missing.size) return;
      const ids = [...store.missing].slice(0, MISSING_BATCH);
      for (const i of ids) store.missing.delete(i);
      fetching = true;
      client
        .fetchQuery({
          queryKey: queryKeys.dashboardRuns(ids),
          queryFn: ({ signal }) => api.dashboard({ ids, minutes }, signal),
          gcTime: 0,
        })
        .then((got) => store.merge(got.runs))
        .catch(() => {
          ids.forEach((i) => store.missing.add(i));
          setTimeout(fetchMissing, MISSING_RETRY_MS);
        })
        .finally(() => {
          fetching = false;
        });
    };
    const unsubscribe = store.subscribe(fetchMissing);
    return () => {
      closed = true;
      unsubscribe();
    };
  }, [store, client, minutes]);

  return {
    store,
    version,
    status,
    error: feed.error ? errorText(feed.error) : null,
    loaded: feed.isSuccess,
    truncated: feed.data?.truncated ?? false,
  };
}
