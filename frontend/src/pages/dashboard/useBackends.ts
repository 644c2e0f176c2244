import { useEffect, useRef } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, errorText } from '../../lib/api';
import { queryKeys } from '../../lib/queries';

export const BACKENDS_REFRESH_MS = 10_000;
/** How long the dashboard's count of waiting and running steps must stay put before the backends are asked again. */
export const BACKENDS_SETTLE_MS = 1_000;

/**
 * GET /api/backends/, refreshed every 10 s; the last good list stays while a refresh fails. `activeSteps`
 * (the queued and running steps the page's live events show) asks again once it has settled, so the
 * backends' counts do not say "running" for ten seconds after every run has ended; a stream of events
 * that never settles leaves it to the 10 s refresh.
 */
export function useBackends(refreshMs: number = BACKENDS_REFRESH_MS, activeSteps?: number) {
  const client = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.backends,
    queryFn: async ({ signal }) => {
      const list = await api.backends(signal);
      return Array.isArray(list) ? list : [];
    },
    refetchInterval: refreshMs,
    // The next refresh is the retry.
    retry: false,
  });
  // The first answer already reflects the count the page opened with.
  const askedAt = useRef(activeSteps);
  useEffect(() => {
    if (activeSteps === undefined || activeSteps === askedAt.current) return;
    const timer = setTimeout(() => {
      askedAt.current = activeSteps;
      void client.invalidateQueries({ queryKey: queryKeys.backends });
    }, BACKENDS_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [client, activeSteps]);
  return { backends: query.data ?? null, error: query.error ? errorText(query.error) : null };
}
