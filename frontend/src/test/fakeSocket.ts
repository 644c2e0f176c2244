/** A controllable stand-in for the browser WebSocket: tests play the server through open, send and drop. */
export class FakeSocket {
  static instances: FakeSocket[] = [];
  readyState = 0;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  closeCalls: number[] = [];

  constructor(public url: string) {
    FakeSocket.instances.push(this);
  }

  static last(): FakeSocket {
    return FakeSocket.instances[FakeSocket.instances.length - 1];
  }

  // The server's side.
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  send(obj: unknown) {
    this.onmessage?.({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) } as MessageEvent);
  }
  drop() {
    this.readyState = 3;
    this.onerror?.(new Event('error'));
    this.onclose?.({ code: 1006 } as CloseEvent);
  }

  // The client's API.
  close(code?: number) {
    this.closeCalls.push(code ?? 1005);
    this.readyState = 3;
  }
}
