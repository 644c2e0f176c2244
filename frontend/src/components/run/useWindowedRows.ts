// Windowing for a long list of fixed-height rows that scrolls with the page (the run page's timeline):
// only the rows in view, plus some overscan, are in the DOM; spacers above and below keep the list's full
// height, so the page's scrollbar and scroll position are those of the whole list. No package for this is
// installed, and the timeline's needs (window scroll, one row height) are small enough to write here.
import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react';

export interface WindowRange {
  /** First row rendered. */
  start: number;
  /** One past the last row rendered. */
  end: number;
}

export interface WindowGeometry {
  /** Top of the list's first row, in viewport pixels (negative once scrolled past). */
  listTop: number;
  viewportHeight: number;
  rowHeight: number;
  count: number;
  /** Rows rendered beyond each edge of the viewport, so Tab and fast wheels find a row there. */
  overscan: number;
}

/** The rows of a list that are in the viewport, widened by `overscan` rows each side and clamped to the list. */
export function windowRange({ listTop, viewportHeight, rowHeight, count, overscan }: WindowGeometry): WindowRange {
  if (count <= 0 || !(rowHeight > 0)) return { start: 0, end: 0 };
  const first = Math.floor(-listTop / rowHeight);
  const last = Math.ceil((viewportHeight - listTop) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.max(start, Math.min(count, last + overscan));
  return { start, end };
}

/**
 * The window to render next: the current one while it still covers every row in view (a scroll of less
 * than the overscan renders nothing), else a fresh one around the rows in view.
 */
export function nextWindow(current: WindowRange, geometry: WindowGeometry): WindowRange {
  const inView = windowRange({ ...geometry, overscan: 0 });
  const fresh = windowRange(geometry);
  const covers = current.start <= inView.start && inView.end <= current.end && current.end <= geometry.count;
  const oversized = current.end - current.start > fresh.end - fresh.start + geometry.overscan;
  return covers && !oversized ? current : fresh;
}

export interface WindowedRows {
  /** Put on the element that holds the spacers and rows (its top is the first row's top). */
  listRef: RefObject<HTMLDivElement | null>;
  range: WindowRange;
  /** Pixels above the first rendered row and below the last one. */
  padTop: number;
  padBottom: number;
  /** Scroll the page so row `index` is in view (rendering it), then focus it (`[data-row-index]`). */
  focusRow: (index: number) => void;
}

/**
 * The window of `count` rows of `rowHeight` px that the page's scroll shows. With `enabled` false every row
 * is rendered (a short list: the browser's find-in-page then sees all of it).
 */
export function useWindowedRows(count: number, rowHeight: number, enabled: boolean, overscan = 20): WindowedRows {
  const listRef = useRef<HTMLDivElement | null>(null);
  const [range, setRange] = useState<WindowRange>(() =>
    enabled ? { start: 0, end: Math.min(count, overscan * 4) } : { start: 0, end: count },
  );
  const [pendingFocus, setPendingFocus] = useState<number | null>(null);

  const measure = useCallback(() => {
    const list = listRef.current;
    if (!enabled || !list) {
      setRange((cur) => (cur.start === 0 && cur.end === count ? cur : { start: 0, end: count }));
      return;
    }
    const geometry = {
      listTop: list.getBoundingClientRect().top,
      viewportHeight: window.innerHeight,
      rowHeight,
      count,
      overscan,
    };
    setRange((cur) => {
      const next = nextWindow(cur, geometry);
      return cur.start === next.start && cur.end === next.end ? cur : next;
    });
  }, [enabled, count, rowHeight, overscan]);

  // Content above the list (the graph card, a folded block) moves it without a scroll: measure after each render.
  useLayoutEffect(measure);

  useLayoutEffect(() => {
    if (!enabled) return;
    let frame = 0;
    const onScroll = () => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        measure();
      });
    };
    window.addEventListener('scroll', onScroll, { passive: true });
    window.addEventListener('resize', onScroll);
    return () => {
      window.removeEventListener('scroll', onScroll);
      window.removeEventListener('resize', onScroll);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [enabled, measure]);

  // The row asked for is focused once the window holds it.
  useLayoutEffect(() => {
    if (pendingFocus == null) return;
    const row = listRef.current?.querySelector<HTMLElement>(`[data-row-index="${pendingFocus}"]`);
    if (row) {
      row.focus();
      setPendingFocus(null);
    }
  }, [pendingFocus, range.start, range.end]);

  const focusRow = useCallback(
    (index: number) => {
      const list = listRef.current;
      if (!list || index < 0 || index >= count) return;
      if (enabled) {
        const top = list.getBoundingClientRect().top + index * rowHeight;
        // The app header is sticky: keep a row's height of margin at the top.
        if (top < rowHeight * 2) window.scrollBy(0, top - rowHeight * 2);
        else if (top + rowHeight > window.innerHeight) window.scrollBy(0, top + rowHeight - window.innerHeight);
        measure();
      }
      setPendingFocus(index);
    },
    [enabled, count, rowHeight, measure],
  );

  const { start, end } = enabled ? range : { start: 0, end: count };
  return {
    listRef,
    range: { start, end: Math.min(end, count) },
    padTop: start * rowHeight,
    padBottom: Math.max(0, count - Math.min(end, count)) * rowHeight,
    focusRow,
  };
}
