import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, screen, waitFor } from '@testing-library/react';
import { RunPage } from './RunPage';
import { iso, makeRun, runEvents } from '../test/fixtures';
import { FakeSocket } from '../test/fakeSocket';
import { renderPage } from '../test/render';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { queryKeys } from '../lib/queries';

// React Flow measures its container and nodes.
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}

const last = () => FakeSocket.last();

const fetched: string[] = [];
let storedLog = '';
let runDetail = makeRun({ state: 'queued', started_at: null, last_seq: 1 });

function renderAt(path: string, beside: ReactNode = null) {
  renderPage(<RunPage />, path, '/runs/:id', beside);
}

/** A run list read beside the page (as the Runs page keeps one in the cache); counts how often it is asked. */
let listReads = 0;
function RunListReader() {
  useQuery({ queryKey: queryKeys.runList({ state: 'running' }), queryFn: () => ++listReads });
  return null;
}

describe('RunPage', () => {
  beforeEach(() => {
    FakeSocket.instances = [];
    fetched.length = 0;
    storedLog = '';
    runDetail = makeRun({ state: 'queued', started_at: null, last_seq: 1 });
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal('ResizeObserver', NoopResizeObserver);
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => {
        fetched.push(url);
        if (url === '/api/runs/7/') {
          return new Response(JSON.stringify(runDetail), {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          });
        }
        if (url.startsWith('/api/runs/?')) {
          const child = { ...makeRun({ id: 8, state: 'running' }), parent: { run: 7, step: 's2', item: null } };
          const summary = { ...child, steps: undefined, step_counts: { succeeded: 1, running: 1 }, step_total: 2 };
          return new Response(JSON.stringify({ count: 1, next: null, previous: null, results: [summary] }), {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          });
        }
        if (url.startsWith('/api/runs/7/steps/')) {
          return new Response(storedLog, { status: 200, headers: { 'Content-Type': 'text/plain' } });
        }
        return new Response(JSON.stringify([]), { status: 200, headers: { 'Content-Type': 'application/json' } });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('subscribes after the snapshot, folds events and resumes with the last applied seq', async () => {
    renderAt('/runs/7');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    // The detail is current to seq 1: the socket is asked for what came after it, not for the history again.
    expect(last().url).toBe(`ws://${window.location.host}/ws/runs/7/?batch=1&after=1`);
    expect(screen.getByTestId('run-state').getAttribute('data-state')).toBe('queued');
    expect(screen.getByTestId('live-status').getAttribute('data-status')).toBe('connecting');

    const events = runEvents();
    act(() => {
      last().open();
      events.slice(1, 9).forEach((e) => last().send(e));
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
    // One detail read, no event history over HTTP.
    expect(fetched.filter((u) => u === '/api/runs/7/')).toHaveLength(1);
    expect(fetched.some((u) => u.includes('/events/'))).toBe(false);
  });

  it('on a seq it cannot apply, reconnects from what it holds instead of buffering or refetching', async () => {
    renderAt('/runs/7');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    const events = runEvents();
    act(() => {
      last().open();
      events.slice(1, 4).forEach((e) => last().send(e)); // seq 2..4
      last().send(events[5]); // seq 6: 5 is missing
      last().send(events[6]);
    });
    expect(FakeSocket.instances[0].closeCalls).toEqual([4000]);
    expect(screen.getByTestId('live-status').getAttribute('data-status')).toBe('reconnecting');
    expect(screen.getByTestId('timeline-row-s1').getAttribute('data-state')).toBe('running');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2), { timeout: 3000 });
    expect(last().url).toMatch(/&after=4$/);
    act(() => {
      last().open();
      events.slice(4).forEach((e) => last().send(e));
    });
    expect(screen.getByTestId('run-state').getAttribute('data-state')).toBe('succeeded');
    expect(FakeSocket.instances).toHaveLength(2);
    expect(fetched.some((u) => u.includes('/events/'))).toBe(false);
  });

  it('opens with the step named by ?step= selected, its stored log followed by live lines', async () => {
    storedLog = '=== attempt 1 ===\nhello\n';
    renderAt('/runs/7?step=s2');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    await waitFor(() => expect(screen.getByTestId('log-lines').textContent).toBe('=== attempt 1 ===\nhello'));
    expect(fetched.filter((u) => u.startsWith('/api/runs/7/steps/s2/log'))).toHaveLength(1);
    act(() => {
      last().open();
      runEvents()
        .slice(1)
        .forEach((e) => last().send(e));
      last().send({
        seq: 19,
        run: 7,
        step: 's2',
        type: 'step.log',
        state: '',
        at: iso(9.4),
        data: { lines: ['bye'], prefix: '' },
      });
    });
    expect(screen.getByTestId('step-details').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('step-details-attempts').textContent).toBe('2');
    expect(screen.getByTestId('log-lines').textContent).toBe('=== attempt 1 ===\nhello\nbye');
  });

  it('follows child runs by their summaries and for_each items by events, never re-reading the run detail', async () => {
    const base = makeRun({ state: 'running', last_seq: 1 });
    runDetail = {
      ...base,
      graph: {
        ...base.graph!,
        steps: base.graph!.steps.map((s) =>
          s.id === 's2'
            ? { id: 's2', name: 'Simulate', kind: 'workflow' as const, campaign: 4 }
            : s.id === 's3'
              ? { ...s, for_each: [1, 2] }
              : s,
        ),
      },
    };
    renderAt('/runs/7');
    await waitFor(() => expect(screen.getByTestId('child-progress-8').textContent).toBe('1/2'));
    expect(fetched.some((u) => u.includes('parent=7') && u.includes('steps=summary'))).toBe(true);
    act(() => {
      last().open();
      [0, 1].forEach((index) =>
        last().send({
          seq: 2 + index,
          run: 7,
          step: 's3',
          type: 'step.item',
          state: index ? 'running' : 'succeeded',
          at: iso(1),
          data: { index, attempt: 1 },
        }),
      );
    });
    await waitFor(() => expect(screen.getByTestId('step-progress-s3').textContent).toContain('1/2'));
    expect(fetched.filter((u) => u === '/api/runs/7/')).toHaveLength(1);
  });

  it('asks the run lists again when the run moves to another state (a cancel or retry took effect), not the run itself', async () => {
    listReads = 0;
    renderAt('/runs/7', <RunListReader />);
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(1));
    await waitFor(() => expect(listReads).toBe(1));
    const events = runEvents();
    act(() => {
      last().open();
      last().send(events[1]); // seq 2: the run starts
    });
    expect(screen.getByTestId('run-state').getAttribute('data-state')).toBe('running');
    await waitFor(() => expect(listReads).toBe(2));
    expect(fetched.filter((u) => u === '/api/runs/7/')).toHaveLength(1);
  });
});
