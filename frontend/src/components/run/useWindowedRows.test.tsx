import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { nextWindow, windowRange } from './useWindowedRows';
import { LANE_HEIGHT, Timeline } from '../Timeline';
import { createRunView } from '../../lib/runState';
import { makeRun } from '../../test/fixtures';

describe('windowRange', () => {
  const base = { viewportHeight: 300, rowHeight: 30, count: 1000, overscan: 2 };

  it('renders the rows in view plus the overscan, from the list top', () => {
    // List starts 150 px down the viewport: rows 0..4 are in view (150 + 5 × 30 = 300).
    expect(windowRange({ ...base, listTop: 150 })).toEqual({ start: 0, end: 7 });
  });

  it('follows the scroll into the middle of the list', () => {
    // Scrolled 3000 px past the list top: rows 100..109 are in view.
    expect(windowRange({ ...base, listTop: -3000 })).toEqual({ start: 98, end: 112 });
  });

  it('clamps to the list at its end and when it is out of view', () => {
    expect(windowRange({ ...base, listTop: -(1000 * 30 - 100) })).toEqual({ start: 994, end: 1000 });
    expect(windowRange({ ...base, listTop: 5000 })).toEqual({ start: 0, end: 0 });
    expect(windowRange({ ...base, listTop: -100000 })).toEqual({ start: 1000, end: 1000 });
    expect(windowRange({ ...base, listTop: 0, count: 0 })).toEqual({ start: 0, end: 0 });
  });
});

describe('nextWindow', () => {
  const geometry = { viewportHeight: 300, rowHeight: 30, count: 1000, overscan: 5 };

  it('keeps the window while it covers the rows in view, so a short scroll renders nothing', () => {
    const current = windowRange({ ...geometry, listTop: -3000 }); // rows 100..109 in view: 95..115
    expect(nextWindow(current, { ...geometry, listTop: -3120 })).toBe(current); // 104..113 in view
  });

  it('moves it once a row in view is outside it', () => {
    const current = windowRange({ ...geometry, listTop: -3000 });
    expect(nextWindow(current, { ...geometry, listTop: -3300 })).toEqual({ start: 105, end: 125 });
    expect(nextWindow(current, { ...geometry, listTop: -2820 })).toEqual({ start: 89, end: 109 });
  });

  it('drops a window grown too large (the viewport shrank) or past the end of a shorter list', () => {
    const wide = { start: 0, end: 200 };
    expect(nextWindow(wide, { ...geometry, listTop: 0 })).toEqual({ start: 0, end: 15 });
    expect(nextWindow({ start: 90, end: 110 }, { ...geometry, listTop: -3000, count: 105 })).toEqual({
      start: 95,
      end: 105,
    });
  });
});

describe('Timeline of a 2000-step run', () => {
  const steps = Array.from({ length: 2000 }, (_, i) => ({ id: `s${i}`, name: `Step ${i}`, kind: 'function' as const }));
  const graph = { steps, edges: [] };
  const view = createRunView(makeRun({ graph, steps: [], state: 'running', last_seq: 0 }));
  // jsdom lays nothing out: the lanes' top is what the "page scroll" below says.
  let scrolled = 0;

  beforeEach(() => {
    scrolled = 0;
    vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(function (this: HTMLElement) {
      const top = this.classList.contains('tl-lanes') ? 100 - scrolled : 0;
      return { top, bottom: top, left: 0, right: 0, width: 0, height: 0, x: 0, y: top, toJSON: () => ({}) };
    });
    vi.spyOn(window, 'scrollBy').mockImplementation(((_x: number, y: number) => {
      scrolled += y;
    }) as typeof window.scrollBy);
    Object.defineProperty(window, 'innerHeight', { configurable: true, value: 600 });
  });
  afterEach(() => vi.restoreAllMocks());

  const lanes = () => screen.getAllByTestId(/^timeline-row-/);
  const scrollTo = async (px: number) => {
    scrolled = px;
    await act(async () => {
      window.dispatchEvent(new Event('scroll'));
      await new Promise((resolve) => requestAnimationFrame(() => resolve(null)));
    });
  };

  it('holds only the lanes in view, with the full height kept by padding', async () => {
    render(<Timeline view={view} graph={graph} selected={null} onSelect={() => {}} />);
    fireEvent.click(screen.getByTestId('timeline-show-all'));
    const list = screen.getByTestId('timeline-lanes');
    expect(list.dataset.lanes).toBe('2000');
    expect(lanes().length).toBeLessThan(70);
    expect(screen.getByTestId('timeline-row-s0')).toBeTruthy();
    const pad = (side: 'paddingTop' | 'paddingBottom') => parseFloat(list.style[side] || '0');
    expect(pad('paddingTop') + pad('paddingBottom') + lanes().length * LANE_HEIGHT).toBe(2000 * LANE_HEIGHT);

    await scrollTo(2000 * LANE_HEIGHT - 500);
    expect(screen.getByTestId('timeline-row-s1999')).toBeTruthy();
    expect(screen.queryByTestId('timeline-row-s0')).toBeNull();
    expect(lanes().length).toBeLessThan(70);
    expect(pad('paddingTop') + pad('paddingBottom') + lanes().length * LANE_HEIGHT).toBe(2000 * LANE_HEIGHT);
  });

  it('moves the focus lane by lane and to the end with the keyboard, scrolling the lane into view', async () => {
    const picked: string[] = [];
    render(<Timeline view={view} graph={graph} selected={null} onSelect={(id) => picked.push(id)} />);
    fireEvent.click(screen.getByTestId('timeline-show-all'));
    const first = screen.getByTestId('timeline-row-s0');
    first.focus();
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(screen.getByTestId('timeline-row-s1'));
    await act(async () => {
      fireEvent.keyDown(document.activeElement!, { key: 'End' });
    });
    await scrollTo(scrolled);
    const last = screen.getByTestId('timeline-row-s1999');
    expect(document.activeElement).toBe(last);
    expect(scrolled).toBeGreaterThan(1990 * LANE_HEIGHT - 600);
    fireEvent.keyDown(last, { key: 'Enter' });
    expect(picked).toEqual(['s1999']);
  });
});
