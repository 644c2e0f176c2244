import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { LibraryPage } from './LibraryPage';
import { campaign } from '../test/fixtures';
import type { Campaign } from '../lib/types';
import { json } from '../test/http';
import { renderPage } from '../test/render';

const LONG_NAME = `A campaign whose name goes on ${'and on '.repeat(20)}`;

describe('LibraryPage', () => {
  let stored: Campaign;
  let fetchMock: ReturnType<typeof vi.fn>;
  const listCalls = () => fetchMock.mock.calls.filter(([url]) => String(url).startsWith('/api/campaigns/?')).length;

  beforeEach(() => {
    stored = { ...campaign, name: LONG_NAME };
    fetchMock = vi.fn(async (url: string, init: RequestInit) => {
      if (url.startsWith('/api/campaigns/?')) return json({ count: 1, next: null, previous: null, results: [stored] });
      if (url === '/api/teams/') return json([]);
      if (url === `/api/campaigns/${stored.id}/` && init.method === 'PATCH') {
        stored = { ...stored, ...(JSON.parse(String(init.body)) as Partial<Campaign>) };
        return json(stored);
      }
      return json({ detail: 'Not found.' }, 404);
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('cuts a long name with its whole in the title, and shows a share at once, then reads the list again', async () => {
    renderPage(<LibraryPage />, '/library');
    const name = (await screen.findByTestId(`open-${campaign.id}`)).querySelector('.truncate')!;
    expect(name.getAttribute('title')).toBe(LONG_NAME);
    expect(screen.getByTestId(`visibility-badge-${campaign.id}`).textContent).toBe('private');
    expect(listCalls()).toBe(1);

    fireEvent.click(screen.getByTestId(`share-${campaign.id}`));
    fireEvent.click(await screen.findByTestId('visibility-public'));
    fireEvent.click(screen.getByTestId('share-submit'));

    await waitFor(() => expect(screen.queryByTestId('share-dialog')).toBeNull());
    expect(screen.getByTestId(`visibility-badge-${campaign.id}`).textContent).toBe('public');
    await waitFor(() => expect(listCalls()).toBe(2));
    expect(screen.getByTestId(`visibility-badge-${campaign.id}`).textContent).toBe('public');
  });
});
