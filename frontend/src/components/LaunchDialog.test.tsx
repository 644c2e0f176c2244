import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { LaunchDialog } from './LaunchDialog';
import { campaign } from '../test/fixtures';
import type { Campaign } from '../lib/types';
import { QueryWrapper } from '../test/queryClient';
import { json } from '../test/http';

describe('LaunchDialog', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    document.cookie = 'csrftoken=launch-token; path=/';
  });
  afterEach(() => vi.unstubAllGlobals());

  function setup() {
    const onClose = vi.fn();
    const onLaunched = vi.fn();
    const utils = render(<LaunchDialog campaign={campaign} onClose={onClose} onLaunched={onLaunched} />, {
      wrapper: QueryWrapper,
    });
    const input = (name: string) => utils.container.querySelector<HTMLInputElement>(`[name="${name}"]`)!;
    return { ...utils, onClose, onLaunched, input };
  }

  it('prefills one input per parameter from defaults', () => {
    const { input } = setup();
    expect(input('label').value).toBe('hello');
    expect(input('count').value).toBe('3');
    expect(input('scale').value).toBe('0.5');
    expect(input('verbose').type).toBe('checkbox');
    expect(input('verbose').checked).toBe(true);
  });

  it('POSTs typed parameters and reports the created run', async () => {
    fetchMock.mockResolvedValue(json({ id: 77, state: 'queued' }, 201));
    const { input, onLaunched } = setup();
    fireEvent.change(input('count'), { target: { value: '10' } });
    fireEvent.click(input('verbose'));
    fireEvent.click(screen.getByTestId('launch-submit'));
    await waitFor(() => expect(onLaunched).toHaveBeenCalledWith({ id: 77, state: 'queued' }));
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/campaigns/3/runs/');
    expect(init.headers['X-CSRFToken']).toBe('launch-token');
    expect(JSON.parse(init.body)).toEqual({ parameters: { label: 'hello', count: 10, scale: 0.5, verbose: false } });
  });

  it('shows a 400 parameter error next to the field it names', async () => {
    fetchMock.mockResolvedValue(
      json({ parameters: { count: ['Ensure this value is greater than or equal to 1.'] } }, 400),
    );
    const { input, onLaunched } = setup();
    fireEvent.change(input('count'), { target: { value: '0' } });
    fireEvent.click(screen.getByTestId('launch-submit'));
    const err = await screen.findByTestId('error-count');
    expect(err.textContent).toBe('Ensure this value is greater than or equal to 1.');
    expect(input('count').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('launch-error')).toBeNull();
    expect(onLaunched).not.toHaveBeenCalled();
    // editing the field clears its error
    fireEvent.change(input('count'), { target: { value: '2' } });
    expect(screen.queryByTestId('error-count')).toBeNull();
  });

  it('shows other 400 errors as a message', async () => {
    fetchMock.mockResolvedValue(json({ detail: 'Campaign graph is empty.' }, 400));
    setup();
    fireEvent.click(screen.getByTestId('launch-submit'));
    expect((await screen.findByTestId('launch-error')).textContent).toBe('Campaign graph is empty.');
    expect(screen.getByTestId('launch-submit')).not.toHaveProperty('disabled', true);
  });

  it('closes on Cancel and Escape', () => {
    const { onClose } = setup();
    fireEvent.click(screen.getByTestId('launch-cancel'));
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(2);
  });

  it('closes once on Escape pressed in a field, though React mounts it twice in strict mode', () => {
    const onClose = vi.fn();
    const { container } = render(
      <StrictMode>
        <LaunchDialog campaign={campaign} onClose={onClose} onLaunched={vi.fn()} />
      </StrictMode>,
      { wrapper: QueryWrapper },
    );
    const count = container.querySelector<HTMLInputElement>('[name="count"]')!;
    expect(document.activeElement).toBe(container.querySelector('[name="label"]'));
    fireEvent.keyDown(count, { key: 'Escape' });
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('stays open on Escape while a launch is under way', async () => {
    let answer: (r: Response) => void = () => undefined;
    fetchMock.mockReturnValue(new Promise<Response>((resolve) => (answer = resolve)));
    const { onClose, onLaunched } = setup();
    fireEvent.click(screen.getByTestId('launch-submit'));
    await waitFor(() => expect(screen.getByTestId('launch-submit').textContent).toBe('Launching…'));
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(onClose).not.toHaveBeenCalled();
    answer(json({ id: 8, state: 'queued' }, 201));
    await waitFor(() => expect(onLaunched).toHaveBeenCalled());
  });
});

describe('LaunchDialog with choice and json parameters', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    fetchMock = vi.fn(async () => json({ id: 5 }, 201));
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  const special: Campaign = {
    ...campaign,
    parameters: [
      { name: 'mode', type: 'choice', choices: ['fast', 'slow'], default: 'fast', required: true },
      { name: 'extra', type: 'json', default: { a: 1 } },
    ],
  };

  it('uses a select and a JSON textarea, and catches invalid JSON before sending', async () => {
    const onLaunched = vi.fn();
    const { container } = render(<LaunchDialog campaign={special} onClose={() => {}} onLaunched={onLaunched} />, {
      wrapper: QueryWrapper,
    });
    const mode = container.querySelector<HTMLSelectElement>('select[name="mode"]')!;
    const extra = container.querySelector<HTMLTextAreaElement>('textarea[name="extra"]')!;
    expect(mode.value).toBe('"fast"');
    expect(extra.value).toBe('{"a":1}');

    fireEvent.change(extra, { target: { value: '{broken' } });
    fireEvent.click(screen.getByTestId('launch-submit'));
    expect(screen.getByTestId('error-extra').textContent).toBe('Enter valid JSON.');
    expect(fetchMock).not.toHaveBeenCalled();

    fireEvent.change(mode, { target: { value: '"slow"' } });
    fireEvent.change(extra, { target: { value: '[1, 2]' } });
    fireEvent.click(screen.getByTestId('launch-submit'));
    await waitFor(() => expect(onLaunched).toHaveBeenCalled());
    expect(JSON.parse(fetchMock.mock.calls[0][1].body)).toEqual({ parameters: { mode: 'slow', extra: [1, 2] } });
  });
});
