import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { RunsPage } from './RunsPage';
import { iso } from '../test/fixtures';
import type { Run } from '../lib/types';
import { json } from '../test/http';
import { renderPage } from '../test/render';

const run = (id: number, state: string, campaignName: string) =>
  ({
    id,
    campaign: 1,
    campaign_name: campaignName,
    version: 1,
    state,
    parameters: {},
    created_at: iso(0),
    started_at: iso(1),
    finished_at: state === 'running' ? null : iso(5),
  }) as unknown as Run;

describe('RunsPage', () => {
  /** Run list answers held back per URL, resolved by the test when it wants. */
  const held = new Map<string, { resolve: (r: Response) => void; signal: AbortSignal | null | undefined }>();

  beforeEach(() => {
    held.clear();
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string, init: RequestInit) => {
        if (url.startsWith('/api/campaigns/')) return Promise.resolve(json({ count: 0, results: [] }));
        if (url.startsWith('/api/runs/')) {
          return new Promise<Response>((resolve) => held.set(url, { resolve, signal: init.signal }));
        }
        return Promise.resolve(json({ detail: 'Not found.' }, 404));
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows the runs of the state picked last, though the answer for the earlier pick comes later', async () => {
    renderPage(<RunsPage />, '/runs?state=running', '/runs');
    const runningUrl = '/api/runs/?state=running&page_size=100';
    const failedUrl = '/api/runs/?state=failed&page_size=100';
    await waitFor(() => expect(held.has(runningUrl)).toBe(true));

    fireEvent.change(screen.getByTestId('state-filter'), { target: { value: 'failed' } });
    await waitFor(() => expect(held.has(failedUrl)).toBe(true));
    held.get(failedUrl)!.resolve(json({ count: 1, results: [run(2, 'failed', 'Failed one')] }));
    expect(await screen.findByTestId('run-row-2')).toBeTruthy();

    const slow = held.get(runningUrl)!;
    expect(slow.signal?.aborted).toBe(true);
    slow.resolve(json({ count: 1, results: [run(1, 'running', 'Too late')] }));

    await new Promise((r) => setTimeout(r, 20));
    expect(screen.queryByTestId('run-row-1')).toBeNull();
    expect(screen.queryByText('Too late')).toBeNull();
    expect(screen.getByTestId('run-count').textContent).toBe('1 run');
    expect(screen.getByTestId('run-row-2').getAttribute('data-state')).toBe('failed');
  });
});
