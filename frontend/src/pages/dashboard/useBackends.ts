import { useQuery } from '@tanstack/react-query';
import { api, errorText } from '../../lib/api';
import { queryKeys } from '../../lib/queries';

export const BACKENDS_REFRESH_MS = 10_000;

/** GET /api/backends/, refreshed every 10 s; the last good list stays while a refresh fails. */
export function useBackends(refreshMs: number = BACKENDS_REFRESH_MS) {
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
  return { backends: query.data ?? null, error: query.error ? errorText(query.error) : null };
}
