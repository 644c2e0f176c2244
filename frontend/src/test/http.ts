// The server's side of a test's fetches: answers made up as JSON, and answers held back until the test gives them.
import { vi } from 'vitest';

/** A JSON answer, as the API gives it. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

/** A request whose answer the test gives when it wants (to make an earlier request answer last). */
export interface HeldRequest {
  url: string;
  signal: AbortSignal | null | undefined;
  answer: (response: Response) => void;
}

/**
 * Stub `fetch`: `route` answers a URL at once with a Response, or holds it back (undefined) in `held`.
 * `urls` lists every URL asked, in order.
 */
export function stubFetch(route: (url: string, init: RequestInit) => Response | undefined) {
  const held: HeldRequest[] = [];
  const urls: string[] = [];
  const fetchMock = vi.fn((url: string, init: RequestInit = {}) => {
    urls.push(url);
    const response = route(url, init);
    if (response) return Promise.resolve(response);
    return new Promise<Response>((answer) => held.push({ url, signal: init.signal, answer }));
  });
  vi.stubGlobal('fetch', fetchMock);
  /** The held request for `url` (the latest, if it was asked more than once). */
  const heldFor = (url: string): HeldRequest | undefined => [...held].reverse().find((h) => h.url === url);
  return { held, heldFor, urls, fetchMock };
}
