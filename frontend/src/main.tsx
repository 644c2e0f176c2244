import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import './styles.css';
import './editor/editor.css';
import './pages/dashboard/dashboard.css';
import { applyTheme, initialTheme } from './lib/theme';
import { makeQueryClient } from './lib/queries';

applyTheme(initialTheme());

// The one cache of REST answers (lib/queries/).
const queryClient = makeQueryClient();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
