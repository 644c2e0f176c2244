import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, renderHook, waitFor } from '@testing-library/react';
import { makeRun } from './test/fixtures';
import { FakeSocket } from './test/fakeSocket';
import { json, stubFetch } from './test/http';
import { QueryWrapper } from './test/queryClient';
import { createRunView } from './lib/runState';
import { useRunLive, useStepLog } from './useRunLive';

describe('useRunLive when the run asked for changes quickly', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.stubGlobal('WebSocket', FakeSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows the run asked for last, though the answer for the one before comes later', async () => {
    const server = stubFetch((url) => (url === '/api/runs/8/' ? json(makeRun({ id: 8, state: 'failed' })) : undefined));
    const { result, rerender } = renderHook(({ id }) => useRunLive(id), {
      wrapper: QueryWrapper,
      initialProps: { id: '7' },
    });
    await waitFor(() => expect(server.heldFor('/api/runs/7/')).toBeTruthy());
    rerender({ id: '8' });
    await waitFor(() => expect(result.current.run?.id).toBe(8));

    const slow = server.heldFor('/api/runs/7/')!;
    expect(slow.signal?.aborted).toBe(true);
    act(() => slow.answer(json(makeRun({ id: 7, state: 'running' }))));
    await new Promise((r) => setTimeout(r, 20));

    expect(result.current.run?.id).toBe(8);
    expect(result.current.view?.state).toBe('failed');
    // Only run 8 is followed live.
    expect(FakeSocket.instances.map((s) => new URL(s.url).pathname)).toEqual(['/ws/runs/8/']);
  });

  it('going back to a run it has read starts from that snapshot and asks the socket for what came since', async () => {
    const server = stubFetch((url) => {
      const id = /^\/api\/runs\/(\d+)\/$/.exec(url)?.[1];
      return id ? json(makeRun({ id: Number(id), last_seq: 5 })) : undefined;
    });
    const { result, rerender } = renderHook(({ id }) => useRunLive(id), {
      wrapper: QueryWrapper,
      initialProps: { id: '7' },
    });
    await waitFor(() => expect(result.current.run?.id).toBe(7));
    rerender({ id: '8' });
    await waitFor(() => expect(result.current.run?.id).toBe(8));
    rerender({ id: '7' });
    await waitFor(() => expect(result.current.run?.id).toBe(7));
    expect(server.urls.filter((u) => u === '/api/runs/7/')).toHaveLength(1);
    expect(FakeSocket.last().url).toMatch(/\/ws\/runs\/7\/\?batch=1&after=5$/);
  });

  it('says a run that is not there is not found', async () => {
    stubFetch(() => json({ detail: 'Not found.' }, 404));
    const { result } = renderHook(() => useRunLive('99'), { wrapper: QueryWrapper });
    await waitFor(() => expect(result.current.notFound).toBe(true));
    expect(result.current.error).toBeNull();
  });
});

describe('useStepLog when the step shown changes quickly', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the stored log of the step picked last, though the one before answers later', async () => {
    const server = stubFetch((url) =>
      url.startsWith('/api/runs/7/steps/s2/log') ? new Response('s2 says hello\n', { status: 200 }) : undefined,
    );
    const view = createRunView(makeRun());
    const { result, rerender } = renderHook(({ step }) => useStepLog(7, step, view), {
      wrapper: QueryWrapper,
      initialProps: { step: 's1' },
    });
    await waitFor(() => expect(server.held).toHaveLength(1));
    rerender({ step: 's2' });
    await waitFor(() => expect(result.current).toEqual(['s2 says hello']));

    const slow = server.held[0];
    expect(slow.url).toMatch(/^\/api\/runs\/7\/steps\/s1\/log/);
    expect(slow.signal?.aborted).toBe(true);
    act(() => slow.answer(new Response('s1 was too slow\n', { status: 200 })));
    await new Promise((r) => setTimeout(r, 20));
    expect(result.current).toEqual(['s2 says hello']);
  });
});
