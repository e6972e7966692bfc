// A WebSocket class on top of the mini program's wx.connectSocket, so partysocket (reconnect with
// backoff) and ConversationClient (resend, gap sync) run unchanged inside WeChat.

/** The parts of WeChat's SocketTask this adapter uses. */
export type SocketTaskLike = {
  onOpen(cb: (res: unknown) => void): void;
  onClose(cb: (res: { code?: number; reason?: string }) => void): void;
  onError(cb: (res: { errMsg?: string }) => void): void;
  onMessage(cb: (res: { data: string | ArrayBuffer }) => void): void;
  send(opts: { data: string | ArrayBuffer; fail?: (res: { errMsg?: string }) => void }): void;
  close(opts: { code?: number; reason?: string }): void;
};

export type ConnectSocket = (opts: { url: string; protocols?: string[]; fail?: (res: { errMsg?: string }) => void }) => SocketTaskLike;

/** Events built with (type, init) so partysocket's event cloning can copy them on any platform. */
class SocketMessageEvent extends Event {
  readonly data: unknown;
  constructor(type: string, init: { data?: unknown } = {}) {
    super(type);
    this.data = init.data;
  }
}

class SocketCloseEvent extends Event {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  constructor(type: string, init: { code?: number; reason?: string; wasClean?: boolean } = {}) {
    super(type);
    this.code = init.code ?? 1006;
    this.reason = init.reason ?? "";
    this.wasClean = init.wasClean ?? false;
  }
}

class SocketErrorEvent extends Event {
  readonly message: string;
  readonly error: Error;
  constructor(type: string, init: { message?: string; error?: Error } = {}) {
    super(type);
    this.message = init.message ?? "socket error";
    this.error = init.error ?? new Error(this.message);
  }
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

type Handler<E> = ((event: E) => void) | null;

/** Returns a WebSocket-compatible class whose sockets are made by `connect` (wx.connectSocket). */
export function wxWebSocketClass(connect: ConnectSocket) {
  return class WxWebSocket extends EventTarget {
    static readonly CONNECTING = CONNECTING;
    static readonly OPEN = OPEN;
    static readonly CLOSING = CLOSING;
    static readonly CLOSED = CLOSED;
    readonly CONNECTING = CONNECTING;
    readonly OPEN = OPEN;
    readonly CLOSING = CLOSING;
    readonly CLOSED = CLOSED;

    readyState = CONNECTING;
    binaryType: "blob" | "arraybuffer" = "arraybuffer";
    readonly bufferedAmount = 0;
    readonly extensions = "";
    readonly protocol = "";
    onopen: Handler<Event> = null;
    onmessage: Handler<SocketMessageEvent> = null;
    onclose: Handler<SocketCloseEvent> = null;
    onerror: Handler<SocketErrorEvent> = null;
    private readonly task: SocketTaskLike;

    constructor(
      readonly url: string,
      protocols?: string | string[],
    ) {
      super();
      const list = typeof protocols === "string" ? [protocols] : protocols;
      this.task = connect({
        url,
        ...(list && list.length ? { protocols: list } : {}),
        fail: (res) => this.fail(res.errMsg ?? "connectSocket:fail"),
      });
      this.task.onOpen(() => {
        if (this.readyState !== CONNECTING) return;
        this.readyState = OPEN;
        this.emit(new Event("open"), this.onopen);
      });
      this.task.onMessage((res) => {
        if (this.readyState !== OPEN) return;
        this.emit(new SocketMessageEvent("message", { data: res.data }), this.onmessage);
      });
      this.task.onError((res) => this.fail(res.errMsg ?? "socket error"));
      this.task.onClose((res) => this.closed(res.code ?? 1006, res.reason ?? ""));
    }

    send(data: string | ArrayBuffer): void {
      if (this.readyState !== OPEN) throw new Error("WebSocket is not open");
      this.task.send({ data, fail: (res) => this.fail(res.errMsg ?? "send failed") });
    }

    close(code = 1000, reason = ""): void {
      if (this.readyState === CLOSING || this.readyState === CLOSED) return;
      this.readyState = CLOSING;
      this.task.close({ code, reason });
    }

    private fail(message: string): void {
      if (this.readyState === CLOSED) return;
      this.emit(new SocketErrorEvent("error", { message }), this.onerror);
      // WeChat does not always follow an error with a close; make sure the socket ends.
      this.closed(1006, message);
    }

    private closed(code: number, reason: string): void {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      this.emit(new SocketCloseEvent("close", { code, reason, wasClean: code === 1000 }), this.onclose);
    }

    private emit<E extends Event>(event: E, handler: Handler<E>): void {
      handler?.call(this, event);
      this.dispatchEvent(event);
    }
  };
}
