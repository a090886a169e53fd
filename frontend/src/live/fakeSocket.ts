// Test support: a stand-in for the browser's WebSocket that records the sockets `LiveEvents`
// opens, so tests can open them and deliver frames by hand. Only test files import this module.

export class FakeSocket {
  static opened: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }

  close() {
    this.onclose?.();
  }

  /** Delivers one frame as JSON, as the gateway would send it. */
  send(event: unknown) {
    this.onmessage?.({ data: JSON.stringify(event) });
  }

  static last(): FakeSocket {
    const socket = FakeSocket.opened[FakeSocket.opened.length - 1];
    if (!socket) throw new Error("no socket was opened");
    return socket;
  }
}
