import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { AppRoutes } from './App';
import { AuthProvider } from './auth';
import { campaign } from './test/fixtures';
import { QueryWrapper } from './test/queryClient';

function json(status: number, body: unknown) {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function renderAt(path: string) {
  return render(
    <QueryWrapper>
      <MemoryRouter initialEntries={[path]}>
        <AuthProvider>
          <AppRoutes />
        </AuthProvider>
      </MemoryRouter>
    </QueryWrapper>,
  );
}

describe('auth flow', () => {
  let loggedIn = false;
  let fetchMock: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    loggedIn = false;
    fetchMock = vi.fn(async (url: string, init: RequestInit) => {
      const method = init?.method ?? 'GET';
      if (url === '/api/auth/session/') {
        return json(
          200,
          loggedIn
            ? { authenticated: true, user: { id: 1, username: 'alice', is_staff: false } }
            : { authenticated: false, user: null },
        );
      }
      if (url === '/api/auth/login/' && method === 'POST') {
        const body = JSON.parse(String(init.body));
        if (body.password !== 'secret') return json(400, { detail: 'Invalid username or password.' });
        loggedIn = true;
        return json(200, { id: 1, username: body.username, is_staff: false });
      }
      if (url === '/api/auth/logout/' && method === 'POST') {
        loggedIn = false;
        return json(204, null);
      }
      if (url.startsWith('/api/campaigns/')) {
        if (!loggedIn) return json(403, { detail: 'no' });
        return json(200, { count: 1, next: null, previous: null, results: [campaign] });
      }
      return json(404, { detail: 'Not found.' });
    });
    vi.stubGlobal('fetch', fetchMock);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('redirects to /login when nobody is signed in, then logs in and shows campaigns', async () => {
    const { container } = renderAt('/campaigns');
    const username = await waitFor(() => {
      const el = container.querySelector<HTMLInputElement>('input[name="username"]');
      expect(el).not.toBeNull();
      return el!;
    });
    const password = container.querySelector<HTMLInputElement>('input[name="password"]')!;
    fireEvent.change(username, { target: { value: 'alice' } });
    fireEvent.change(password, { target: { value: 'wrong' } });
    fireEvent.click(container.querySelector('button[type="submit"]')!);
    expect((await screen.findByTestId('login-error')).textContent).toBe('Invalid username or password.');

    fireEvent.change(password, { target: { value: 'secret' } });
    fireEvent.click(container.querySelector('button[type="submit"]')!);
    expect(await screen.findByTestId('launch-3')).toBeTruthy();
    expect(screen.getByTestId('current-user').textContent).toBe('alice');
    expect(screen.getByText('AsyncFlow Studio')).toBeTruthy();
    expect(screen.getByTestId('campaign-3').textContent).toContain('Four steps, one flaky');
  });

  it('logs out back to the login page', async () => {
    loggedIn = true;
    renderAt('/');
    fireEvent.click(await screen.findByTestId('logout'));
    await waitFor(() => expect(document.querySelector('input[name="password"]')).not.toBeNull());
    const logoutCall = fetchMock.mock.calls.find(([u]) => u === '/api/auth/logout/');
    expect(logoutCall?.[1].method).toBe('POST');
  });

  it('opens the launch dialog with parameter inputs', async () => {
    loggedIn = true;
    const { container } = renderAt('/');
    fireEvent.click(await screen.findByTestId('launch-3'));
    expect(screen.getByTestId('launch-dialog')).toBeTruthy();
    expect(container.querySelector<HTMLInputElement>('input[name="count"]')!.value).toBe('3');
  });
});
