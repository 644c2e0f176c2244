import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useRunList } from '../../lib/queries';
import { json, stubFetch } from '../../test/http';
import { QueryWrapper } from '../../test/queryClient';
import { RunActions } from './RunActions';

function RunsCount() {
  const { data } = useRunList({});
  return <span data-testid="runs-count">{data ? data.items.length : '…'}</span>;
}

describe('RunActions', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('cancels through the query layer, and the run lists are asked again', async () => {
    vi.stubGlobal('confirm', () => true);
    const { urls } = stubFetch((url) =>
      url.includes('/cancel/') ? json({ id: 7, state: 'running' }) : json({ count: 0, results: [] }),
    );
    render(
      <QueryWrapper>
        <RunsCount />
        <RunActions runId={7} state="running" retryableStep={null} />
      </QueryWrapper>,
    );
    await waitFor(() => expect(screen.getByTestId('runs-count').textContent).toBe('0'));
    const listAsks = () => urls.filter((u) => u.startsWith('/api/runs/?') || u === '/api/runs/').length;
    const before = listAsks();
    fireEvent.click(screen.getByTestId('run-cancel'));
    expect(await screen.findByText('Cancel requested.')).toBeTruthy();
    expect(urls).toContain('/api/runs/7/cancel/');
    await waitFor(() => expect(listAsks()).toBe(before + 1));
  });

  it('says nothing of the cancel when the run ended before the answer came back', async () => {
    vi.stubGlobal('confirm', () => true);
    const { heldFor } = stubFetch((url) => (url.includes('/cancel/') ? undefined : json({ count: 0, results: [] })));
    const { rerender } = render(
      <QueryWrapper>
        <RunActions runId={7} state="running" retryableStep={null} />
      </QueryWrapper>,
    );
    fireEvent.click(screen.getByTestId('run-cancel'));
    await waitFor(() => expect(screen.getByTestId('run-cancel').textContent).toBe('Cancelling…'));
    // The socket's run.state event arrives first, on a busy server.
    rerender(
      <QueryWrapper>
        <RunActions runId={7} state="cancelled" retryableStep={null} />
      </QueryWrapper>,
    );
    heldFor('/api/runs/7/cancel/')!.answer(json({ id: 7, state: 'cancelled' }));
    await waitFor(() => expect(screen.getByTestId('run-cancel').textContent).toBe('Cancel'));
    expect(screen.queryByText('Cancel requested.')).toBeNull();
  });
});
