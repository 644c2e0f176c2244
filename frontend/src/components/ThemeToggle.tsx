import { useState } from 'react';
import { applyTheme, initialTheme, type Theme } from '../lib/theme';

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(() => (document.documentElement.dataset.theme as Theme) || initialTheme());
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="btn btn-small btn-ghost theme-toggle"
      onClick={() => {
        applyTheme(next, true);
        setTheme(next);
      }}
      title={`Switch to the ${next} theme`}
      aria-label={`Switch to the ${next} theme`}
      data-testid="theme-toggle"
      data-theme={theme}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}
