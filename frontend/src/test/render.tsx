// A page as the app shows it: in a fresh query cache, at a URL, under its route when it reads the URL's params.
import { render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { QueryWrapper } from './queryClient';

/** `beside` renders next to the page in the same cache (a reader the page's writes should reach). */
export function renderPage(page: ReactElement, at: string, route?: string, beside: ReactNode = null) {
  return render(
    <QueryWrapper>
      <MemoryRouter initialEntries={[at]}>
        {route ? (
          <Routes>
            <Route path={route} element={page} />
          </Routes>
        ) : (
          page
        )}
      </MemoryRouter>
      {beside}
    </QueryWrapper>,
  );
}
