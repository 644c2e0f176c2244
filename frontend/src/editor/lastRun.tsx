import { createContext, useContext, useEffect, useState } from 'react';
import { api, unwrapList } from '../lib/api';

export interface LastRun {
  id: number | null;
  /** The result of each step that succeeded in the campaign's latest run, by step id. */
  results: Readonly<Record<string, unknown>>;
  /** The parameter values it ran with. */
  parameters: Readonly<Record<string, unknown>>;
}

const NO_RUN: LastRun = { id: null, results: {}, parameters: {} };

/** The campaign's latest run, read once when the editor opens. */
export function useLastRun(campaignId: string | null): LastRun {
  const [last, setLast] = useState<LastRun>(NO_RUN);
  useEffect(() => {
    if (!campaignId) return;
    const abort = new AbortController();
    (async () => {
      const latest = unwrapList(await api.runs({ campaign: campaignId, page_size: 1 }, abort.signal)).items[0];
      if (!latest) return;
      const detail = await api.run(latest.id, abort.signal);
      const results: Record<string, unknown> = {};
      for (const s of detail.steps ?? []) if (s.state === 'succeeded' && s.result != null) results[s.step] = s.result;
      setLast({ id: latest.id, results, parameters: (detail.parameters ?? {}) as Record<string, unknown> });
    })().catch(() => undefined);
    return () => abort.abort();
  }, [campaignId]);
  return last;
}

export const LastRunContext = createContext<LastRun>(NO_RUN);

export const useLastRunResults = () => useContext(LastRunContext).results;

/** The latest run as a whole: its id, results and parameters (the test panel's samples start from them). */
export const useLastRunContext = () => useContext(LastRunContext);
