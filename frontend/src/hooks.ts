import { useCallback, useEffect, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';

/** Run `callback` every `ms` milliseconds; `null` pauses. */
export function useInterval(callback: () => void, ms: number | null): void {
  const saved = useRef(callback);
  useEffect(() => {
    saved.current = callback;
  }, [callback]);
  useEffect(() => {
    if (ms == null) return;
    const id = setInterval(() => saved.current(), ms);
    return () => clearInterval(id);
  }, [ms]);
}

/**
 * Current time (epoch ms), refreshed on animation frames at most every
 * `minStepMs` while `active`; frozen otherwise.
 */
export function useNow(active: boolean, minStepMs = 100): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    let frame = 0;
    let last = 0;
    let fallback: ReturnType<typeof setInterval> | null = null;
    const tick = (ts: number) => {
      if (ts - last >= minStepMs) {
        last = ts;
        setNow(Date.now());
      }
      frame = requestAnimationFrame(tick);
    };
    if (typeof requestAnimationFrame === 'function') {
      frame = requestAnimationFrame(tick);
    } else {
      fallback = setInterval(() => setNow(Date.now()), minStepMs);
    }
    return () => {
      if (frame) cancelAnimationFrame(frame);
      if (fallback) clearInterval(fallback);
    };
  }, [active, minStepMs]);
  return now;
}

/** Set document.title while mounted. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · AsyncFlow Studio` : 'AsyncFlow Studio';
  }, [title]);
}

/** The current colour theme ('light' or 'dark'), following the header toggle. */
export function useTheme(): 'light' | 'dark' {
  const [theme, setTheme] = useState<'light' | 'dark'>(() =>
    typeof document !== 'undefined' && document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light',
  );
  useEffect(() => {
    const on = (e: Event) => setTheme((e as CustomEvent).detail === 'dark' ? 'dark' : 'light');
    window.addEventListener('asyncflow-theme', on);
    return () => window.removeEventListener('asyncflow-theme', on);
  }, []);
  return theme;
}

/** Sets one query parameter of the page's URL, or removes it when empty, replacing the history entry. */
export function useSetQueryParam(): (key: string, value: string | null) => void {
  const [, setParams] = useSearchParams();
  return useCallback(
    (key: string, value: string | null) =>
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (value) next.set(key, value);
          else next.delete(key);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
}
