import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LaunchDialog } from './LaunchDialog';
import { campaign } from '../test/fixtures';
import { QueryWrapper } from '../test/queryClient';
import { json } from '../test/http';

// The compact answer of a batch launch (ids and states, not the runs).
const launched = {
  batch: 9,
  campaign: 1,
  version: 1,
  count: 3,
  counts: { queued: 3 },
  runs: [
    { id: 1, state: 'queued' },
    { id: 2, state: 'queued' },
    { id: 3, state: 'queued' },
  ],
};

describe('LaunchDialog with several instances', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  function setup() {
    const onLaunched = vi.fn();
    const onLaunchedBatch = vi.fn();
    render(
      <LaunchDialog campaign={campaign} onClose={vi.fn()} onLaunched={onLaunched} onLaunchedBatch={onLaunchedBatch} />,
      { wrapper: QueryWrapper },
    );
    return { onLaunched, onLaunchedBatch };
  }

  it('launches one run per line of the chosen parameter, the others from the form', async () => {
    fetchMock.mockResolvedValue(json(launched, 201));
    const { onLaunchedBatch } = setup();
    fireEvent.click(screen.getByTestId('instances-mode-lines').querySelector('input')!);
    fireEvent.change(screen.getByTestId('instances-parameter'), { target: { value: 'label' } });
    fireEvent.change(screen.getByTestId('instances-lines'), { target: { value: 'A\nB\n\nC' } });
    expect(screen.getByText(/3 run\(s\)/)).toBeTruthy();
    fireEvent.click(screen.getByTestId('launch-submit'));
    await waitFor(() => expect(onLaunchedBatch).toHaveBeenCalledWith(launched));
    const body = JSON.parse(fetchMock.mock.calls[0][1].body);
    expect(body.instances.map((i: { parameters: { label: string } }) => i.parameters.label)).toEqual(['A', 'B', 'C']);
    expect(body.instances[0].parameters.count).toBe(3);
  });

  it('names the instance the server refused', async () => {
    fetchMock.mockResolvedValue(json({ instances: { '1': { parameters: { count: ['must be an integer'] } } } }, 400));
    setup();
    fireEvent.click(screen.getByTestId('instances-mode-json').querySelector('input')!);
    fireEvent.change(screen.getByTestId('instances-json'), { target: { value: '[{"count": 1}, {"count": "x"}]' } });
    fireEvent.click(screen.getByTestId('launch-submit'));
    await waitFor(() =>
      expect(screen.getByTestId('launch-error').textContent).toContain('run 2: parameters: count: must be an integer'),
    );
  });

  it('refuses a JSON list that does not parse before calling the server', () => {
    setup();
    fireEvent.click(screen.getByTestId('instances-mode-json').querySelector('input')!);
    fireEvent.change(screen.getByTestId('instances-json'), { target: { value: '[{' } });
    fireEvent.click(screen.getByTestId('launch-submit'));
    expect(screen.getByTestId('launch-error').textContent).toMatch(/Not valid JSON/);
    expect(fetchMock).not.toHaveBeenCalled();
  });
});
