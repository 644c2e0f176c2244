// Light and dark themes: the choice is remembered; without one, the system's preference wins.
export type Theme = 'light' | 'dark';
const KEY = 'asyncflow.theme';

export function storedTheme(): Theme | null {
  try {
    const t = localStorage.getItem(KEY);
    return t === 'light' || t === 'dark' ? t : null;
  } catch {
    return null;
  }
}

export function initialTheme(): Theme {
  const stored = storedTheme();
  if (stored) return stored;
  return typeof window !== 'undefined' && window.matchMedia?.('(prefers-color-scheme: dark)').matches
    ? 'dark'
    : 'light';
}

export function applyTheme(theme: Theme, remember = false): void {
  document.documentElement.dataset.theme = theme;
  document.documentElement.style.colorScheme = theme;
  if (remember) {
    try {
      localStorage.setItem(KEY, theme);
    } catch {
      /* not remembered */
    }
  }
  window.dispatchEvent(new CustomEvent('asyncflow-theme', { detail: theme }));
}
