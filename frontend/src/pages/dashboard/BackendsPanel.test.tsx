import { act, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BackendStatus } from '../../lib/types';
import { BackendsPanel } from './BackendsPanel';
import { QueryWrapper } from '../../test/queryClient';

const backend = (over: Partial<BackendStatus>): BackendStatus => ({
  name: 'thread',
  queue: 'thread',
  up: true,
  state: 'up',
  error: null,
  workers: [],
  queue_depth: 0,
  queued_steps: 0,
  running_steps: 0,
  resources: {},
  ...over,
});

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });

describe('BackendsPanel', () => {
  let fetchMock: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('lists each backend with its status, counts, resources and the error of a down one', async () => {
    fetchMock.mockResolvedValue(
      json([
        backend({ running_steps: 2, queued_steps: 1, queue_depth: 3 }),
        backend({
          name: 'radical',
          queue: 'radical',
          up: false,
          state: 'failed',
          error: 'pilot failed: no such resource',
          resources: { resource: 'local.localhost', cores: 4, runtime: 30, exit_on_error: false },
        }),
        backend({
          name: 'dask',
          queue: 'dask',
          up: false,
          state: 'no worker',
          resources: { scheduler: 'LocalCluster' },
        }),
      ]),
    );
    render(<BackendsPanel />, { wrapper: QueryWrapper });
    const thread = await screen.findByTestId('backend-thread');
    expect(String(fetchMock.mock.calls[0][0])).toContain('/api/backends/');
    expect(thread.getAttribute('data-status')).toBe('up');
    expect(thread.textContent).toContain('queue 3 · queued 1 · running 2');
    expect(screen.queryByTestId('backend-thread-error')).toBeNull();

    const radical = screen.getByTestId('backend-radical');
    expect(radical.getAttribute('data-status')).toBe('down');
    expect(radical.textContent).toContain('down');
    expect(screen.getByTestId('backend-radical-error').textContent).toBe('pilot failed: no such resource');
    expect(radical.textContent).toContain('resource=local.localhost · cores=4 · runtime=30');

    expect(screen.getByTestId('backend-dask').getAttribute('data-status')).toBe('down');
    expect(screen.getByTestId('backend-dask-error').textContent).toBe('no worker');
  });

  it('refreshes every 10 s', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    fetchMock
      .mockResolvedValueOnce(json([backend({ up: false, state: 'no worker' })]))
      .mockResolvedValueOnce(json([backend({ running_steps: 5 })]));
    render(<BackendsPanel />, { wrapper: QueryWrapper });
    await waitFor(() => expect(screen.getByTestId('backend-thread').getAttribute('data-status')).toBe('down'));
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await act(async () => {
      vi.advanceTimersByTime(9_999);
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await act(async () => {
      vi.advanceTimersByTime(1);
    });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(screen.getByTestId('backend-thread').getAttribute('data-status')).toBe('up'));
    expect(screen.getByTestId('backend-thread').textContent).toContain('running 5');
  });

  it('asks again once the live count of active steps has stayed put for a second, not while it moves', async () => {
    fetchMock
      .mockResolvedValueOnce(json([backend({ running_steps: 3 })]))
      .mockResolvedValueOnce(json([backend({ running_steps: 0 })]));
    const { rerender } = render(<BackendsPanel activeSteps={3} />, { wrapper: QueryWrapper });
    await waitFor(() => expect(screen.getByTestId('backend-thread').textContent).toContain('running 3'));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await act(async () => {
      vi.advanceTimersByTime(5_000);
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    for (const active of [2, 1, 0]) {
      rerender(<BackendsPanel activeSteps={active} />);
      await act(async () => {
        vi.advanceTimersByTime(500);
      });
    }
    expect(fetchMock).toHaveBeenCalledTimes(1);
    await act(async () => {
      vi.advanceTimersByTime(500);
    });
    expect(fetchMock).toHaveBeenCalledTimes(2);
    // React Query hands its answer to React on a timeout of its own.
    await act(async () => {
      await vi.advanceTimersByTimeAsync(100);
    });
    vi.useRealTimers();
    await waitFor(() => expect(screen.getByTestId('backend-thread').textContent).toContain('running 0'));
  });

  it('shows an error when the list cannot be loaded', async () => {
    fetchMock.mockResolvedValue(
      new Response(JSON.stringify({ detail: 'boom' }), {
        status: 500,
        headers: { 'Content-Type': 'application/json' },
      }),
    );
    render(<BackendsPanel />, { wrapper: QueryWrapper });
    expect((await screen.findByRole('alert')).textContent).toContain('boom');
  });
});
