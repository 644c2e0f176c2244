import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, createLiveSocket, socketUrl, type LiveStatus } from './liveSocket';
import { FakeSocket } from '../test/fakeSocket';

const loc = { protocol: 'http:', host: 'studio.test' };
const last = () => FakeSocket.last();
const ev = (seq: number) => ({
  seq,
  run: 7,
  step: null,
  type: 'run.state',
  state: 'running',
  at: '2024-01-01T00:00:00Z',
});

beforeEach(() => {
  FakeSocket.instances = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('socketUrl', () => {
  it('uses ws/wss by page protocol and adds the query', () => {
    expect(socketUrl('/ws/runs/7/', { after: 0 }, loc)).toBe('ws://studio.test/ws/runs/7/?after=0');
    expect(socketUrl('/ws/dashboard/', {}, { protocol: 'https:', host: 'x.org:8443' })).toBe(
      'wss://x.org:8443/ws/dashboard/',
    );
  });
});

describe('backoffDelay', () => {
  it('grows exponentially up to the cap', () => {
    const opts = { initialMs: 500, maxMs: 4000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, opts))).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });
  it('applies jitter around the base delay', () => {
    const opts = { initialMs: 1000, maxMs: 10000, factor: 2, jitter: 0.2 };
    expect(backoffDelay(0, opts, 0)).toBe(900);
    expect(backoffDelay(0, opts, 1)).toBe(1100);
  });
});

describe('createLiveSocket', () => {
  function start(after: number | (() => number) | undefined = 0) {
    const messages: unknown[] = [];
    const statuses: LiveStatus[] = [];
    const sock = createLiveSocket({
      path: '/ws/runs/7/',
      after,
      onMessage: (m) => messages.push(m),
      onStatus: (s) => statuses.push(s),
      WebSocketImpl: FakeSocket,
      location: loc,
      backoff: { initialMs: 500, maxMs: 4000, factor: 2, jitter: 0 },
      stableMs: 1000,
    });
    return { sock, messages, statuses };
  }

  it('connects with after=0, goes live and delivers parsed events', () => {
    const { sock, messages, statuses } = start(0);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(last().url).toBe('ws://studio.test/ws/runs/7/?batch=1&after=0');
    expect(sock.status).toBe('connecting');
    last().open();
    expect(sock.status).toBe('live');
    last().send(ev(1));
    last().send(ev(2));
    last().send('not json');
    expect(messages).toEqual([ev(1), ev(2)]);
    expect(statuses).toEqual(['connecting', 'live']);
    sock.close();
  });

  it('reconnects after a drop with after=<last seq>, with backoff', () => {
    const { sock, statuses } = start(0);
    last().open();
    [1, 2, 3].forEach((s) => last().send(ev(s)));
    last().drop();
    expect(sock.status).toBe('reconnecting');
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(499);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(last().url).toBe('ws://studio.test/ws/runs/7/?batch=1&after=3');
    last().open();
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting', 'live']);
    sock.close();
  });

  it('tracks only contiguous seqs when it keeps the resume point itself', () => {
    const { sock } = start(0);
    last().open();
    [1, 2, 4].forEach((s) => last().send(ev(s)));
    last().drop();
    vi.advanceTimersByTime(500);
    expect(last().url).toContain('after=2');
    sock.close();
  });

  it('asks the consumer for the last applied seq when given a getter', () => {
    let applied = 0;
    const { sock } = start(() => applied);
    expect(last().url).toContain('after=0');
    last().open();
    applied = 41;
    last().drop();
    vi.advanceTimersByTime(500);
    expect(last().url).toBe('ws://studio.test/ws/runs/7/?batch=1&after=41');
    expect(sock.after).toBe(41);
    sock.close();
  });

  it('backs off further on consecutive failures and resets after a healthy connection', () => {
    const { sock } = start(0);
    last().drop(); // never opened
    vi.advanceTimersByTime(500);
    expect(FakeSocket.instances).toHaveLength(2);
    last().drop();
    vi.advanceTimersByTime(999);
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(3);
    last().drop();
    vi.advanceTimersByTime(2000);
    expect(FakeSocket.instances).toHaveLength(4);
    // healthy connection resets the backoff
    last().open();
    last().send(ev(1));
    last().drop();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.instances).toHaveLength(5);
    sock.close();
  });

  it('omits after when not resuming (dashboard)', () => {
    const sock = createLiveSocket({
      path: '/ws/dashboard/',
      onMessage: () => {},
      WebSocketImpl: FakeSocket,
      location: loc,
    });
    expect(last().url).toBe('ws://studio.test/ws/dashboard/?batch=1');
    expect(sock.after).toBeUndefined();
    sock.close();
  });

  it('stops for good on close() and does not close a connecting socket early', () => {
    const { sock, messages } = start(0);
    const first = last();
    sock.close();
    expect(first.closeCalls).toEqual([]); // still connecting: closed once it opens
    first.open();
    expect(first.closeCalls).toEqual([1000]);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(messages).toEqual([]);
  });

  it('close() of an open socket closes it and ignores late events', () => {
    const { sock, messages } = start(0);
    const s = last();
    s.open();
    sock.close();
    expect(s.closeCalls).toEqual([1000]);
    s.send(ev(1));
    s.drop();
    vi.advanceTimersByTime(60_000);
    expect(messages).toEqual([]);
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('reconnectNow skips the wait', () => {
    const { sock } = start(5);
    last().open();
    last().drop();
    sock.reconnectNow();
    expect(FakeSocket.instances).toHaveLength(2);
    expect(last().url).toContain('after=5');
    sock.close();
  });

  it('resume() drops the open connection, ignores what it still sends, and reconnects from the getter', () => {
    let applied = 3;
    const { sock, messages, statuses } = start(() => applied);
    last().open();
    last().send(ev(4));
    applied = 4;
    sock.resume();
    const dropped = FakeSocket.instances[0];
    expect(dropped.closeCalls).toEqual([4000]);
    dropped.send(ev(6));
    expect(messages.map((m) => (m as { seq: number }).seq)).toEqual([4]);
    expect(statuses.at(-1)).toBe('reconnecting');
    sock.resume(); // nothing open: no second reconnect is scheduled
    vi.advanceTimersByTime(500);
    expect(FakeSocket.instances).toHaveLength(2);
    expect(last().url).toContain('after=4');
    sock.close();
  });
});
