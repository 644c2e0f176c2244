import { afterEach, describe, expect, it, vi } from 'vitest';
import { QueryClientProvider } from '@tanstack/react-query';
import { act, render, renderHook, screen, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { campaign } from '../test/fixtures';
import { json, stubFetch } from '../test/http';
import { makeQueryClient, queryKeys, useCampaign, useCampaignList, useSaveCampaign, useVersions } from '../lib/queries';
import type { Campaign, GraphStep } from '../lib/types';
import { WorkflowStepProperties } from './panels/WorkflowStepProperties';
import { useEditorCampaign } from './useEditorCampaign';

const version = (n: number): Campaign => ({ ...campaign, id: 3, version: n, name: `Demo v${n}` });

function withClient(client = makeQueryClient()) {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={client}>
      <MemoryRouter>{children}</MemoryRouter>
    </QueryClientProvider>
  );
  return { client, wrapper };
}

afterEach(() => vi.unstubAllGlobals());

describe('the campaign the editor edits', () => {
  it('is the server’s current version, not an older copy in the cache, and a later refetch does not move it', async () => {
    const server = stubFetch(() => undefined);
    const { client, wrapper } = withClient();
    // The library read version 1 a while ago; the server has 2 by now.
    client.setQueryData(queryKeys.campaign('3'), version(1));
    const onLoaded = vi.fn();
    const { result } = renderHook(() => useEditorCampaign({ campaignId: '3', created: { current: null }, onLoaded }), {
      wrapper,
    });
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(server.heldFor('/api/campaigns/3/')).toBeTruthy());
    act(() => server.heldFor('/api/campaigns/3/')!.answer(json(version(2))));
    await waitFor(() => expect(result.current.campaign?.version).toBe(2));
    expect(onLoaded.mock.calls.map(([c]) => c.version)).toEqual([2]);

    // Someone saves version 3 elsewhere and the cache hears of it: the editor still builds on 2 (a save conflicts).
    void client.invalidateQueries({ queryKey: queryKeys.campaigns });
    await waitFor(() => expect(server.held).toHaveLength(2));
    act(() => server.held[1].answer(json(version(3))));
    await waitFor(() => expect(client.getQueryData<Campaign>(queryKeys.campaign('3'))?.version).toBe(3));
    expect(result.current.campaign?.version).toBe(2);
    expect(onLoaded).toHaveBeenCalledTimes(1);

    // "Reload" in the conflict dialog takes the current one.
    const reloaded = result.current.reload();
    await waitFor(() => expect(server.held).toHaveLength(3));
    act(() => server.held[2].answer(json(version(3))));
    await waitFor(() => expect(result.current.campaign?.version).toBe(3));
    expect(await reloaded).toBeNull();
    expect(onLoaded).toHaveBeenCalledTimes(2);
  });

  it('is not read again when this screen has just created it', async () => {
    const server = stubFetch(() => json(version(1)));
    const { wrapper } = withClient();
    renderHook(() => useEditorCampaign({ campaignId: '3', created: { current: '3' }, onLoaded: vi.fn() }), {
      wrapper,
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(server.urls).toEqual([]);
  });
});

describe('saving a campaign', () => {
  it('shows the saved campaign in the lists and asks its versions again, not its own detail', async () => {
    let listed = version(2);
    const server = stubFetch((url, init) => {
      if (url === '/api/campaigns/3/' && init.method === 'PUT') {
        listed = version(3);
        return json(listed);
      }
      if (url === '/api/campaigns/3/') return json(listed);
      if (url.startsWith('/api/campaigns/?')) return json({ count: 1, results: [listed] });
      if (url === '/api/campaigns/3/versions/') return json([]);
      return json({ detail: 'Not found.' }, 404);
    });
    const { wrapper } = withClient();
    const { result } = renderHook(
      () => ({ list: useCampaignList(100), versions: useVersions(3), detail: useCampaign(3), save: useSaveCampaign() }),
      { wrapper },
    );
    await waitFor(() => expect(result.current.list.data?.items[0].name).toBe('Demo v2'));
    await waitFor(() => expect(result.current.versions.isSuccess && result.current.detail.isSuccess).toBe(true));
    const asked = (prefix: string) => server.urls.filter((u) => u.startsWith(prefix)).length;
    const before = { list: asked('/api/campaigns/?'), versions: asked('/api/campaigns/3/versions/') };

    await act(() => result.current.save.mutateAsync({ id: 3, body: { name: 'Demo v3' } }));

    expect(result.current.detail.data?.version).toBe(3);
    await waitFor(() => expect(result.current.list.data?.items[0].name).toBe('Demo v3'));
    await waitFor(() => expect(asked('/api/campaigns/?')).toBe(before.list + 1));
    await waitFor(() => expect(asked('/api/campaigns/3/versions/')).toBe(before.versions + 1));
    // GET of the detail once (at the start): the PUT's answer is the detail.
    expect(
      server.fetchMock.mock.calls.filter(([u, i]) => u === '/api/campaigns/3/' && i?.method === 'GET'),
    ).toHaveLength(1);
  });
});

describe('a workflow step’s campaign', () => {
  it('names the campaign picked last, though the one before answers later', async () => {
    const server = stubFetch((url) =>
      url === '/api/campaigns/5/' ? json({ ...campaign, id: 5, name: 'Picked last' }) : undefined,
    );
    const step = (id: number): GraphStep => ({ id: 'w', name: 'W', kind: 'workflow', campaign: id });
    const { wrapper } = withClient();
    const view = render(<WorkflowStepProperties step={step(4)} patch={vi.fn()} />, { wrapper });
    await waitFor(() => expect(server.heldFor('/api/campaigns/4/')).toBeTruthy());
    view.rerender(<WorkflowStepProperties step={step(5)} patch={vi.fn()} />);
    await waitFor(() => expect(screen.getByTestId('workflow-campaign').textContent).toBe('Picked last'));

    const slow = server.heldFor('/api/campaigns/4/')!;
    expect(slow.signal?.aborted).toBe(true);
    act(() => slow.answer(json({ ...campaign, id: 4, name: 'Too late' })));
    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByTestId('workflow-campaign').textContent).toBe('Picked last');
  });
});
