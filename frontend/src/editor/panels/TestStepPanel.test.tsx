import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { TestStepPanel, upstreamOf } from './TestStepPanel';
import { makeRun } from '../../test/fixtures';
import type { EditorDoc } from '../lib/doc';
import type { GraphStep } from '../../lib/types';
import { FakeSocket } from '../../test/fakeSocket';
import { QueryWrapper } from '../../test/queryClient';
import { LastRunContext, type LastRun } from '../lastRun';
import { json } from '../../test/http';

const step: GraphStep = {
  id: 's2',
  name: 'Report',
  kind: 'function',
  function: 'echo',
  kwargs: { got: '{{ steps.s1.result.count }}' },
} as GraphStep;
const doc: EditorDoc = {
  name: 'Demo campaign',
  description: '',
  parameters: [{ name: 'label', type: 'string', default: 'hello' }],
  steps: [{ id: 's1', name: 'Make', kind: 'function', function: 'noop' } as GraphStep, step],
  edges: [{ source: 's1', target: 's2' }],
  blocks: [],
  notes: [],
};

const lastRun = makeRun({
  id: 5,
  parameters: { label: 'from last run' },
  steps: [{ ...makeRun().steps[0], step: 's1', state: 'succeeded', result: { count: 2 } }],
});
// What the editor read of that run (`useLastRun`): results by step, and its parameters.
const lastRunRead: LastRun = { id: 5, results: { s1: { count: 2 } }, parameters: { label: 'from last run' } };
const testRun = makeRun({
  id: 9,
  kind: 'test',
  state: 'queued',
  last_seq: 0,
  graph: { steps: [step], edges: [] },
  steps: [{ ...makeRun().steps[0], step: 's2', name: 'Report', state: 'queued' }],
});

describe('TestStepPanel', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  let testAnswer: Response;
  beforeEach(() => {
    FakeSocket.instances = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    testAnswer = json(testRun, 201);
    fetchMock = vi.fn(async (url: string) => {
      if (url.startsWith('/api/runs/?')) return json({ count: 1, results: [lastRun] });
      if (url === '/api/campaigns/3/test-step/') return testAnswer;
      if (url === '/api/runs/9/') return json(testRun);
      if (url.startsWith('/api/runs/9/steps/')) return new Response('', { status: 200 });
      return json([]);
    });
    vi.stubGlobal('fetch', fetchMock);
    document.cookie = 'csrftoken=t; path=/';
  });
  afterEach(() => vi.unstubAllGlobals());

  const tree = (last: LastRun) => (
    <QueryWrapper>
      <LastRunContext.Provider value={last}>
        <MemoryRouter initialEntries={['/campaigns/3/edit']}>
          <Routes>
            <Route path="/campaigns/:id/edit" element={<TestStepPanel doc={doc} step={step} />} />
          </Routes>
        </MemoryRouter>
      </LastRunContext.Provider>
    </QueryWrapper>
  );
  const renderPanel = (last: LastRun = lastRunRead) => render(tree(last));

  it('names the upstream steps from edges and placeholders', () => {
    expect(upstreamOf(doc, step)).toEqual(['s1']);
  });

  it('pre-fills samples from the last run, sends them, and shows the live result and log', async () => {
    renderPanel();
    const upstream = screen.getByTestId<HTMLInputElement>('test-upstream-s1');
    await waitFor(() => expect(upstream.value).toBe('{"count":2}'));
    expect(screen.getByTestId<HTMLInputElement>('test-param-label').value).toBe('from last run');
    fireEvent.change(upstream, { target: { value: '{"count": 4}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test this step' }));

    await waitFor(() => expect(screen.getByTestId('test-step-state').textContent).toBe('queued'));
    const [, init] = fetchMock.mock.calls.find(([url]) => url === '/api/campaigns/3/test-step/')!;
    expect(JSON.parse(init.body)).toEqual({
      step,
      parameters: { label: 'from last run' },
      upstream: { s1: { count: 4 } },
    });

    await waitFor(() => expect(FakeSocket.instances.length).toBe(1));
    const socket = FakeSocket.instances[0];
    expect(socket.url).toContain('/ws/runs/9/');
    const at = new Date().toISOString();
    act(() => {
      socket.open();
      socket.send({ seq: 1, run: 9, step: null, type: 'run.state', state: 'queued', at, data: {} });
      socket.send({ seq: 2, run: 9, step: 's2', type: 'step.state', state: 'running', at, data: { attempt: 1 } });
      socket.send({ seq: 3, run: 9, step: 's2', type: 'step.log', state: '', at, data: { lines: ['hello out'] } });
      socket.send({
        seq: 4,
        run: 9,
        step: 's2',
        type: 'step.state',
        state: 'succeeded',
        at,
        data: { attempt: 1, result: { got: 4 } },
      });
    });
    await waitFor(() => expect(screen.getByTestId('test-step-state').textContent).toBe('succeeded'));
    expect(screen.getByTestId('test-step-result').textContent).toContain('"got": 4');
    expect(screen.getByTestId('test-step-log').textContent).toContain('hello out');
  });

  it('starts from the defaults and fills in the last run once the editor has read it', async () => {
    const view = renderPanel({ id: null, results: {}, parameters: {} });
    const upstream = screen.getByTestId<HTMLInputElement>('test-upstream-s1');
    expect(upstream.value).toBe('');
    expect(screen.getByTestId<HTMLInputElement>('test-param-label').value).toBe('hello');
    view.rerender(tree(lastRunRead));
    await waitFor(() => expect(upstream.value).toBe('{"count":2}'));
    expect(screen.getByTestId<HTMLInputElement>('test-param-label').value).toBe('from last run');
    // The panel reads no run list of its own: the editor's one read is the source.
    expect(fetchMock.mock.calls.some(([url]) => String(url).startsWith('/api/runs/?'))).toBe(false);
  });

  it('shows the server refusal naming the argument, and no run', async () => {
    testAnswer = json({ s2: ["step 's2': argument 'got' must be a number"] }, 400);
    renderPanel();
    fireEvent.click(screen.getByRole('button', { name: 'Test this step' }));
    expect((await screen.findByRole('alert')).textContent).toContain("argument 'got' must be a number");
    expect(screen.queryByTestId('test-step-outcome')).toBeNull();
  });
});
