import { createContext, useContext } from 'react';
import { useLastRunDetail } from '../lib/queries';

export interface LastRun {
  id: number | null;
  /** The result of each step that succeeded in the campaign's latest run, by step id. */
  results: Readonly<Record<string, unknown>>;
  /** The parameter values it ran with. */
  parameters: Readonly<Record<string, unknown>>;
}

const NO_RUN: LastRun = { id: null, results: {}, parameters: {} };

/** The campaign's latest run, read when the editor opens (and again when a run of it moves on). */
export function useLastRun(campaignId: string | null): LastRun {
  return useLastRunDetail(campaignId).data ?? NO_RUN;
}

export const LastRunContext = createContext<LastRun>(NO_RUN);

export const useLastRunResults = () => useContext(LastRunContext).results;

/** The latest run as a whole: its id, results and parameters (the test panel's samples start from them). */
export const useLastRunContext = () => useContext(LastRunContext);
