import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { RunPage } from './RunPage';
import { makeRun, runEvents } from '../test/fixtures';
import { FakeSocket } from '../test/fakeSocket';

// React Flow measures its container and nodes.
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const last = () => FakeSocket.last();

describe('RunPage', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('ResizeObserver', NoopResizeObserver);
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        if (url === '/api/runs/7/') {
          return new Response(JSON.stringify(makeRun({ state: 'queued', started_at: null, last_seq: 1 })), {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          });
        }
        return new Response(JSON.stringify([]), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('follows the websocket, folds events and resumes with the last applied seq', async () => {
    render(
      <MemoryRouter initialEntries={['/runs/7']}>
        <Routes>
          <Route path="/runs/:id" element={<RunPage />} />
        </Routes>
      </MemoryRouter>,
    );
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    expect(last().url).toBe(`ws://${window.location.host}/ws/runs/7/?batch=1&after=0`);
    expect(screen.getByTestId('run-state').getAttribute('data-state')).toBe('queued');
    expect(screen.getByTestId('live-status').getAttribute('data-status')).toBe('connecting');

    const events = runEvents();
    act(() => {
      last().open();
      events.slice(0, 9).forEach((e) => last().send(e));
    });
    expect(screen.getByTestId('live-status').getAttribute('data-status')).toBe('live');
    expect(screen.getByTestId('run-state').getAttribute('data-state')).toBe('running');
    expect(screen.getByTestId('timeline-row-s1').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('timeline-row-s2').getAttribute('data-state')).toBe('running');
    expect(screen.getByTestId('segment-s2-1-running').getAttribute('data-state')).toBe('running');
    await waitFor(() => expect(screen.getByTestId('step-s2').getAttribute('data-state')).toBe('running'));

    // connection drops: indicator says so; the next connection resumes after seq 9
    act(() => last().drop());
    expect(screen.getByTestId('live-status').getAttribute('data-status')).toBe('reconnecting');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 });
    expect(last().url).toMatch(/\/ws\/runs\/7\/\?batch=1&after=9$/);

    // the server replays from 10; a duplicate of 9 is ignored
    act(() => {
      last().open();
      [events[8], ...events.slice(9)].forEach((e) => last().send(e));
    });
    expect(screen.getByTestId('run-state').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('segment-s2-2-running').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('segment-s2-1-running').getAttribute('data-state')).toBe('failed');

    // details of a step
    fireEvent.click(screen.getByTestId('timeline-row-s2'));
    expect(screen.getByTestId('step-details').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('step-details-attempts').textContent).toBe('2');
    expect(screen.getByTestId('step-result').textContent).toBe('ok');
  });

  it('opens with the step named by ?step= selected, its details and log shown', async () => {
    render(
      <MemoryRouter initialEntries={['/runs/7?step=s2']}>
        <Routes>
          <Route path="/runs/:id" element={<RunPage />} />
        </Routes>
      </MemoryRouter>,
    );
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    act(() => {
      last().open();
      runEvents().forEach((e) => last().send(e));
    });
    expect(screen.getByTestId('step-details').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('step-details-attempts').textContent).toBe('2');
  });
});
