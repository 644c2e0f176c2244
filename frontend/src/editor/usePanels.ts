import { useCallback, useState } from 'react';

/** A layout choice of the editor (a panel collapsed, the minimap hidden), remembered in this browser. */
export function useStoredFlag(key: string, initial: () => boolean): [boolean, () => void] {
  const [value, setValue] = useState<boolean>(() => {
    try {
      const stored = localStorage.getItem(key);
      if (stored === 'true' || stored === 'false') return stored === 'true';
    } catch {
      /* no storage: use the default */
    }
    return initial();
  });
  const toggle = useCallback(() => {
    setValue((v) => {
      try {
        localStorage.setItem(key, String(!v));
      } catch {
        /* not remembered */
      }
      return !v;
    });
  }, [key]);
  return [value, toggle];
}

/** The minimap starts hidden on small screens, where it would cover much of the canvas. */
export const roomyScreen = () => typeof window === 'undefined' || window.innerWidth >= 1280;
