import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorText } from '../lib/api';
import { campaignQuery } from '../lib/queries';
import type { Campaign } from '../lib/types';

interface Options {
  campaignId: string | null;
  /** The campaign this screen has just created: what is on screen is it already, nothing is loaded. */
  created: { readonly current: string | null };
  /** A campaign arrived to edit: the document starts over from it. */
  onLoaded: (campaign: Campaign) => void;
}

/**
 * The campaign the editor edits, read through the query cache but always as the server has it now: a cached copy
 * (the library's, minutes old) would make the next save a conflict. Once loaded, `campaign` is the version the
 * next save builds on; a refetch elsewhere (another page saving, an invalidation) does not move it, so a change
 * made in between is a conflict to resolve, not overwritten silently. `reload` takes the server's current one.
 */
export function useEditorCampaign({ campaignId, created, onLoaded }: Options) {
  const [campaign, setCampaign] = useState<Campaign | null>(null);
  const query = useQuery({
    ...campaignQuery(campaignId ?? ''),
    enabled: campaignId != null && created.current !== campaignId,
    refetchOnMount: 'always',
  });
  const fresh = query.isFetchedAfterMount && !query.isFetching ? query.data : undefined;
  const loadedRef = useRef(false);
  const onLoadedRef = useRef(onLoaded);
  useEffect(() => {
    onLoadedRef.current = onLoaded;
  });

  useEffect(() => {
    if (!fresh || loadedRef.current || String(fresh.id) !== campaignId) return;
    loadedRef.current = true;
    setCampaign(fresh);
    onLoadedRef.current(fresh);
  }, [fresh, campaignId]);

  const { refetch } = query;
  /** The campaign as the server has it now (the conflict dialog's "Reload"); the error's text when it fails. */
  const reload = useCallback(async (): Promise<string | null> => {
    const answer = await refetch();
    if (answer.error || !answer.data) return errorText(answer.error ?? 'no answer');
    setCampaign(answer.data);
    onLoadedRef.current(answer.data);
    return null;
  }, [refetch]);

  const loadError = campaign == null && query.error ? errorText(query.error) : null;
  const loading = campaignId != null && campaign == null && loadError == null;
  return { campaign, setCampaign, loading, loadError, reload };
}
