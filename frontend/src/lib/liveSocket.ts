// A WebSocket that reconnects with exponential backoff and resumes from the
// last applied event (`?after=<seq>`). Generic: used for /ws/runs/{id}/ and
// usable for /ws/dashboard/. No React.

export type LiveStatus = 'live' | 'connecting' | 'reconnecting';

/** The subset of the browser WebSocket this module uses (so tests can fake it). */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface BackoffOptions {
  /** Delay before the first reconnect. */
  initialMs: number;
  /** Upper bound of the delay. */
  maxMs: number;
  /** Growth per consecutive failure. */
  factor: number;
  /** Random spread, as a fraction of the delay (0.2 = ±10%). */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 5000, factor: 2, jitter: 0.2 };

export interface LiveSocketOptions<T = unknown> {
  /** Path on this host, e.g. "/ws/runs/7/". */
  path: string;
  /** Extra query parameters sent on every connection. */
  query?: Record<string, string | number>;
  /**
   * Resume point. When given (number or getter), each connection carries
   * `?after=<value>`. A getter lets the consumer report the seq it actually
   * applied; with a number the socket tracks the highest contiguous `seq` it
   * has delivered itself.
   */
  after?: number | (() => number);
  onMessage: (message: T) => void;
  onStatus?: (status: LiveStatus) => void;
  WebSocketImpl?: WebSocketConstructor;
  /** Defaults to window.location. */
  location?: { protocol: string; host: string };
  backoff?: Partial<BackoffOptions>;
  /** Random source for jitter (tests pass a constant). */
  random?: () => number;
  /** A connection that lived this long (or delivered a message) resets the backoff. */
  stableMs?: number;
}

export interface LiveSocket {
  readonly status: LiveStatus;
  /** Resume point the next connection will use (undefined when not resuming). */
  readonly after: number | undefined;
  /** Skip the pending backoff wait and connect now. */
  reconnectNow(): void;
  /**
   * Drop the open connection and connect again (after the backoff wait) from
   * the current resume point: for a client that saw a seq it cannot apply.
   */
  resume(): void;
  /** Stop for good. */
  close(): void;
}

/** ws:// or wss:// URL for a path on the current host. */
export function socketUrl(
  path: string,
  query: Record<string, string | number | undefined> = {},
  location: { protocol: string; host: string } = window.location,
): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return `${scheme}//${location.host}${path}${qs ? (path.includes('?') ? '&' : '?') + qs : ''}`;
}

/** Delay before reconnect number `failures` (0-based). */
export function backoffDelay(failures: number, options: BackoffOptions = DEFAULT_BACKOFF, random = 0.5): number {
  const base = Math.min(options.maxMs, options.initialMs * Math.pow(options.factor, Math.max(0, failures)));
  const spread = 1 + options.jitter * (random - 0.5);
  return Math.max(0, Math.round(Math.min(options.maxMs * (1 + options.jitter / 2), base * spread)));
}

export function createLiveSocket<T = unknown>(options: LiveSocketOptions<T>): LiveSocket {
  const Impl: WebSocketConstructor = options.WebSocketImpl ?? (globalThis.WebSocket as unknown as WebSocketConstructor);
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const random = options.random ?? Math.random;
  const stableMs = options.stableMs ?? 3000;
  const location =
    options.location ?? (typeof window !== 'undefined' ? window.location : { protocol: 'http:', host: 'localhost' });

  let status: LiveStatus = 'connecting';
  let ws: WebSocketLike | null = null;
  let closed = false;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let stableTimer: ReturnType<typeof setTimeout> | null = null;
  let trackedSeq = typeof options.after === 'number' ? options.after : 0;

  const currentAfter = (): number | undefined => {
    if (options.after === undefined) return undefined;
    if (typeof options.after === 'function') return options.after();
    return trackedSeq;
  };

  const setStatus = (next: LiveStatus) => {
    if (closed || status === next) return;
    status = next;
    options.onStatus?.(next);
  };

  const clearTimers = () => {
    if (retryTimer) clearTimeout(retryTimer);
    if (stableTimer) clearTimeout(stableTimer);
    retryTimer = null;
    stableTimer = null;
  };

  const detach = (sock: WebSocketLike) => {
    sock.onopen = null;
    sock.onmessage = null;
    sock.onclose = null;
    sock.onerror = null;
  };

  const deliver = (message: unknown) => {
    if (closed) return;
    const seq = (message as { seq?: unknown } | null)?.seq;
    if (typeof seq === 'number' && seq === trackedSeq + 1) trackedSeq = seq;
    options.onMessage(message as T);
  };

  const connect = () => {
    if (closed) return;
    retryTimer = null;
    const after = currentAfter();
    // `batch=1`: a socket that can (the dashboard's) sends each broadcast as one array frame.
    const url = socketUrl(options.path, { batch: 1, ...options.query, after }, location);
    let sock: WebSocketLike;
    try {
      sock = new Impl(url);
    } catch {
      scheduleReconnect();
      return;
    }
    ws = sock;

    sock.onopen = () => {
      if (ws !== sock) return;
      setStatus('live');
      stableTimer = setTimeout(() => {
        failures = 0;
      }, stableMs);
    };
    sock.onmessage = (ev: MessageEvent) => {
      if (ws !== sock) return;
      failures = 0;
      let parsed: unknown;
      try {
        parsed = typeof ev.data === 'string' ? JSON.parse(ev.data) : ev.data;
      } catch {
        return; // not JSON: ignore
      }
      if (Array.isArray(parsed)) parsed.forEach(deliver);
      else deliver(parsed);
    };
    sock.onerror = () => {
      // A close event follows; reconnect is handled there.
    };
    sock.onclose = () => {
      if (ws !== sock) return;
      detach(sock);
      ws = null;
      if (stableTimer) clearTimeout(stableTimer);
      stableTimer = null;
      scheduleReconnect();
    };
  };

  function scheduleReconnect() {
    if (closed) return;
    setStatus('reconnecting');
    const delay = backoffDelay(failures, backoff, random());
    failures += 1;
    retryTimer = setTimeout(connect, delay);
  }

  options.onStatus?.(status);
  connect();

  return {
    get status() {
      return status;
    },
    get after() {
      return currentAfter();
    },
    reconnectNow() {
      if (closed || ws) return;
      if (retryTimer) clearTimeout(retryTimer);
      connect();
    },
    resume() {
      if (closed || !ws) return;
      const sock = ws;
      ws = null;
      detach(sock);
      if (stableTimer) clearTimeout(stableTimer);
      stableTimer = null;
      try {
        sock.close(4000, 'resuming');
      } catch {
        /* already closing */
      }
      scheduleReconnect();
    },
    close() {
      if (closed) return;
      closed = true;
      clearTimers();
      if (ws) {
        const sock = ws;
        ws = null;
        detach(sock);
        const shut = () => {
          try {
            sock.close(1000, 'closed by client');
          } catch {
            /* ignore */
          }
        };
        // Closing a socket that is still connecting makes browsers log an
        // error; wait for it to open (or fail) instead.
        if (sock.readyState === 0) {
          sock.onopen = shut;
          sock.onerror = () => {};
        } else {
          shut();
        }
      }
    },
  };
}
