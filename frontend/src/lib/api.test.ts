import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ApiError,
  api,
  apiFetch,
  buildUrl,
  getCookie,
  messageFromBody,
  setUnauthorizedHandler,
  unwrapList,
} from './api';

function jsonResponse(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

function clearCookies() {
  for (const c of document.cookie.split(';')) {
    const name = c.split('=')[0].trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  }
}

describe('getCookie', () => {
  it('finds a cookie among several and decodes it', () => {
    expect(getCookie('csrftoken', 'sessionid=xyz; csrftoken=abc%3D123; other=1')).toBe('abc=123');
    expect(getCookie('other', 'sessionid=xyz; csrftoken=abc; other=1')).toBe('1');
    expect(getCookie('csrf', 'csrftoken=abc')).toBeNull();
    expect(getCookie('csrftoken', '')).toBeNull();
  });
});

describe('apiFetch', () => {
  let fetchMock: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    clearCookies();
    document.cookie = 'csrftoken=tok-123; path=/';
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    setUnauthorizedHandler(null);
    clearCookies();
  });

  it('GETs with same-origin credentials and no CSRF header', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { id: 1, username: 'alice', is_staff: false }));
    const me = await api.me();
    expect(me.username).toBe('alice');
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/auth/me/');
    expect(init.method).toBe('GET');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers['X-CSRFToken']).toBeUndefined();
  });

  it('POSTs JSON with the CSRF token from the csrftoken cookie', async () => {
    fetchMock.mockResolvedValue(jsonResponse(201, { id: 9, state: 'queued' }));
    const run = await api.launchRun(3, { count: 2 });
    expect(run.id).toBe(9);
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe('/api/campaigns/3/runs/');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(init.headers['X-CSRFToken']).toBe('tok-123');
    expect(init.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(init.body)).toEqual({ parameters: { count: 2 } });
  });

  it('reads the cookie at call time (Django rotates it on login)', async () => {
    fetchMock.mockImplementation(async () => jsonResponse(200, {}));
    await apiFetch('/api/x/', { method: 'POST' });
    document.cookie = 'csrftoken=rotated; path=/';
    await apiFetch('/api/x/', { method: 'DELETE' });
    expect(fetchMock.mock.calls[0][1].headers['X-CSRFToken']).toBe('tok-123');
    expect(fetchMock.mock.calls[1][1].headers['X-CSRFToken']).toBe('rotated');
  });

  it('throws an ApiError carrying the server JSON message', async () => {
    fetchMock.mockResolvedValue(jsonResponse(400, { detail: 'Invalid username or password.' }));
    const err = await api.login('a', 'b').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.message).toBe('Invalid username or password.');
    expect(err.body).toEqual({ detail: 'Invalid username or password.' });
  });

  it('builds a message from field errors when there is no detail', async () => {
    fetchMock.mockResolvedValue(jsonResponse(400, { parameters: { count: ['Must be an integer.'] } }));
    const err = (await apiFetch('/api/x/', { method: 'POST', body: {} }).catch((e) => e)) as ApiError;
    expect(err.message).toBe('parameters: count: Must be an integer.');
  });

  it('does not use an HTML error page as message', async () => {
    fetchMock.mockResolvedValue(new Response('<html><body>Server Error</body></html>', { status: 500 }));
    const err = (await apiFetch('/api/x/').catch((e) => e)) as ApiError;
    expect(err.status).toBe(500);
    expect(err.message).toBe('Request failed (HTTP 500)');
  });

  it('resolves undefined for 204', async () => {
    fetchMock.mockResolvedValue(new Response(null, { status: 204 }));
    await expect(api.logout()).resolves.toBeUndefined();
    expect(fetchMock.mock.calls[0][1].headers['X-CSRFToken']).toBe('tok-123');
  });

  it('reports network failures as ApiError with status 0', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    const err = (await apiFetch('/api/x/').catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(0);
  });

  it('calls the unauthorized handler on 401/403, except for auth calls', async () => {
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    fetchMock.mockImplementation(async () =>
      jsonResponse(403, { detail: 'Authentication credentials were not provided.' }),
    );
    await expect(api.runs()).rejects.toMatchObject({ status: 403, isAuthError: true });
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(api.me()).rejects.toMatchObject({ status: 403 });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('passes run filters as query parameters and skips empty ones', async () => {
    fetchMock.mockResolvedValue(jsonResponse(200, { count: 0, next: null, previous: null, results: [] }));
    await api.runs({ state: 'running', campaign: '' });
    expect(fetchMock.mock.calls[0][0]).toBe('/api/runs/?state=running&page_size=100');
    fetchMock.mockResolvedValue(jsonResponse(200, []));
    await api.runEvents(7, 0);
    expect(fetchMock.mock.calls[1][0]).toBe('/api/runs/7/events/?after=0');
  });
});

describe('helpers', () => {
  it('buildUrl appends to existing query strings', () => {
    expect(buildUrl('/a/?x=1', { y: 2 })).toBe('/a/?x=1&y=2');
    expect(buildUrl('/a/', { y: undefined })).toBe('/a/');
  });

  it('messageFromBody understands common DRF shapes', () => {
    expect(messageFromBody({ non_field_errors: ['Nope.'] }, 400)).toBe('Nope.');
    expect(messageFromBody({ detail: ['wrong username or password'] }, 400)).toBe('wrong username or password');
    expect(messageFromBody({ username: ['This field is required.'] }, 400)).toBe('username: This field is required.');
    expect(messageFromBody(['First', 'Second'], 400)).toBe('First');
    expect(messageFromBody(null, 502)).toBe('Request failed (HTTP 502)');
  });

  it('unwrapList accepts paginated bodies and bare lists', () => {
    expect(unwrapList({ count: 5, next: null, previous: null, results: [1, 2] })).toEqual({ items: [1, 2], count: 5 });
    expect(unwrapList([1, 2, 3])).toEqual({ items: [1, 2, 3], count: 3 });
    expect(unwrapList(undefined)).toEqual({ items: [], count: 0 });
  });
});
