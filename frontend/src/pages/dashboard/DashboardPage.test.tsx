import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, screen, waitFor } from '@testing-library/react';
import { DashboardPage } from './DashboardPage';
import type { FeedRun } from '../../lib/dashboardStore';
import { FakeSocket } from '../../test/fakeSocket';
import { feedRun } from '../../test/fixtures';
import { json } from '../../test/http';
import { renderPage } from '../../test/render';

const run = (id: number): FeedRun =>
  feedRun(id, {
    created_at: Date.now() - 1000,
    last_seq: 1,
    steps: [['s1', 'Step 1', 'queued', 0, Date.now() - 1000, null, null]],
  });

const event = (runId: number, seq: number, type: string, state: string, step: string | null) => ({
  run: runId,
  seq,
  type,
  state,
  step,
  at: new Date().toISOString(),
  data: {},
});

describe('DashboardPage', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    // jsdom lays nothing out: the timeline keeps its default size.
    vi.stubGlobal(
      'ResizeObserver',
      class {
        observe() {}
        disconnect() {}
      },
    );
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url.startsWith('/api/dashboard/')) {
          return json({ now: Date.now(), runs: [run(1), run(2)], counts: { queued: 2 }, truncated: false });
        }
        return json([]);
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('folds the events of one frame into the page at once, not one render per event', async () => {
    renderPage(<DashboardPage />, '/dashboard');
    await waitFor(() => expect(screen.getByTestId('count-queued').getAttribute('data-count')).toBe('2'));
    const socket = FakeSocket.last();
    act(() => socket.open());

    act(() => {
      socket.send([
        event(1, 2, 'run.state', 'running', null),
        event(1, 3, 'step.state', 'running', 's1'),
        event(2, 2, 'run.state', 'running', null),
        event(2, 3, 'step.state', 'running', 's1'),
        event(2, 4, 'step.state', 'succeeded', 's1'),
        event(2, 5, 'run.state', 'succeeded', null),
      ]);
    });
    // Folded into the store, but React hears of it on the next animation frame.
    expect(screen.getByTestId('count-queued').getAttribute('data-count')).toBe('2');

    await waitFor(() => expect(screen.getByTestId('count-running').getAttribute('data-count')).toBe('1'));
    expect(screen.getByTestId('count-succeeded').getAttribute('data-count')).toBe('1');
    expect(screen.getByTestId('count-queued').getAttribute('data-count')).toBe('0');
    expect(screen.getByTestId('step-count-running').getAttribute('data-count')).toBe('1');
    expect(screen.getByTestId('dash-run-2').getAttribute('data-state')).toBe('succeeded');
  });
});
