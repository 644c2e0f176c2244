import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { TemplatePage } from './TemplatePage';
import { campaign } from '../test/fixtures';
import { json } from '../test/http';
import { renderPage } from '../test/render';

const template = { ...campaign, id: 5, version: 3, permissions: { ...campaign.permissions, edit: false } };
const version = (number: number) => ({
  number,
  created_by: 'alice',
  created_at: campaign.created_at,
  note: '',
  steps: 4,
});
const diff = (summary: string) => ({
  summary,
  identical: false,
  steps: { added: [], removed: [], changed: [] },
  edges: { added: [], removed: [] },
  parameters: { added: [], removed: [], changed: [] },
});

describe('TemplatePage versions', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  /** Answers held back per diff URL, resolved by the test when it wants. */
  const held = new Map<string, { resolve: (r: Response) => void; signal: AbortSignal | null | undefined }>();

  beforeEach(() => {
    held.clear();
    fetchMock = vi.fn((url: string, init: RequestInit) => {
      if (url === '/api/campaigns/5/') return Promise.resolve(json(template));
      if (url === '/api/campaigns/5/versions/') return Promise.resolve(json([version(3), version(2), version(1)]));
      if (url === '/api/campaigns/5/lineage/') return Promise.resolve(json({ ancestors: [], forks: [] }));
      if (url === '/api/teams/') return Promise.resolve(json([]));
      if (url.startsWith('/api/campaigns/5/diff/')) {
        return new Promise<Response>((resolve) => held.set(url, { resolve, signal: init.signal }));
      }
      return Promise.resolve(json({ detail: 'Not found.' }, 404));
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  const radio = (n: number, name: 'diff-from' | 'diff-to') =>
    within(screen.getByTestId(`version-${n}`))
      .getAllByRole('radio')
      .find((r) => (r as HTMLInputElement).name === name)!;

  it('shows the diff of the versions picked last, though the answer for an earlier pick comes later', async () => {
    renderPage(<TemplatePage />, '/library/5', '/library/:id');
    await screen.findByTestId('version-1');
    await waitFor(() => expect(held.has('/api/campaigns/5/diff/?from=2&to=3')).toBe(true));
    held.get('/api/campaigns/5/diff/?from=2&to=3')!.resolve(json(diff('v2 to v3')));
    expect((await screen.findByTestId('diff-summary')).textContent).toBe('v2 to v3');

    // Two quick picks: v1 → v3 (its answer is slow), then v1 → v2.
    fireEvent.click(radio(1, 'diff-from'));
    await waitFor(() => expect(held.has('/api/campaigns/5/diff/?from=1&to=3')).toBe(true));
    fireEvent.click(radio(2, 'diff-to'));
    await waitFor(() => expect(held.has('/api/campaigns/5/diff/?from=1&to=2')).toBe(true));

    held.get('/api/campaigns/5/diff/?from=1&to=2')!.resolve(json(diff('v1 to v2')));
    expect(await screen.findByText('v1 to v2')).toBeTruthy();
    const slow = held.get('/api/campaigns/5/diff/?from=1&to=3')!;
    expect(slow.signal?.aborted).toBe(true);
    slow.resolve(json(diff('v1 to v3, too late')));

    await new Promise((r) => setTimeout(r, 20));
    expect(screen.getByText('Changes from v1 to v2')).toBeTruthy();
    expect(screen.getByTestId('diff-summary').textContent).toBe('v1 to v2');
    expect(screen.queryByText('v1 to v3, too late')).toBeNull();
  });
});
