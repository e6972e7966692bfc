// The chat socket of one conversation, shared by the mini program, the H5 page and the tests.
// Nothing is lost or shown twice: unacknowledged sends are kept and resent after every
// (re)connect, the gap since the last seen seq is synced, and messages are keyed by seq.
import PartySocket from "partysocket";
import {
  type ConversationState,
  type Message,
  type MessageContent,
  type Presence,
  type ServerFrame,
  type ClientFrame,
  isRevocationFrame,
  serverFrameSchema,
} from "../protocol";

export type PendingState = "sending" | "failed";
export type Pending = {
  clientId: string;
  content: MessageContent;
  state: PendingState;
  error?: string;
  createdAt: number;
  /** The room refused it for now; it goes again with the next flush. */
  refused?: boolean;
};

export type ConversationEvents = {
  message?: (m: Message) => void;
  /** A message already here changed: the content check flagged it afterwards (media). */
  updated?: (m: Message) => void;
  ack?: (clientId: string, seq: number) => void;
  failed?: (clientId: string, code: string, message: string) => void;
  read?: (by: "customer" | "staff" | "system", seq: number) => void;
  conversation?: (c: ConversationState) => void;
  /** The serving staff member's presence changed (their staff card). */
  presence?: (staffId: string, presence: Presence) => void;
  typing?: (by: string) => void;
  synced?: (upTo: number) => void;
  error?: (code: string, message: string) => void;
  status?: (open: boolean) => void;
};

export type ConversationClientOptions = {
  host: string;
  protocol?: "ws" | "wss";
  conversationId: string;
  /** Who this socket speaks for; used for own messages before any sync returns them. */
  self: { party: "customer" | "staff"; id: string };
  /** A fresh socket ticket for each (re)connect (`ApiClient.socketTicket`). */
  ticket: () => Promise<string>;
  /** A WebSocket class: the browser's, `ws` in Node, or the wx.connectSocket adapter. */
  WebSocket?: unknown;
  /** Last seq the caller already has (from history loaded over HTTP, say). */
  lastSeq?: number;
  events?: ConversationEvents;
  newClientId?: () => string;
};

/** Errors after which resending cannot help; the bubble shows failed until the user retries. */
const FINAL_ERRORS = new Set(["bad_frame", "content_risky", "conversation_ended", "forbidden"]);

export function randomClientId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class ConversationClient {
  readonly socket: PartySocket;
  readonly messages = new Map<number, Message>();
  readonly pending = new Map<string, Pending>();
  state: ConversationState | null = null;
  lastSeq: number;
  private readonly events: ConversationEvents;
  private readonly newClientId: () => string;

  constructor(private readonly options: ConversationClientOptions) {
    this.lastSeq = options.lastSeq ?? 0;
    this.events = options.events ?? {};
    this.newClientId = options.newClientId ?? randomClientId;
    this.socket = new PartySocket({
      host: options.host,
      protocol: options.protocol,
      party: "conversation-room",
      room: options.conversationId,
      query: async () => ({ ticket: await options.ticket() }),
      WebSocket: options.WebSocket,
      // Pending sends are resent by us after sync; the socket must not queue copies.
      maxEnqueuedMessages: 0,
      minReconnectionDelay: 200 + Math.random() * 300,
      maxReconnectionDelay: 10_000,
    });
    this.socket.addEventListener("open", () => this.onOpen());
    this.socket.addEventListener("close", () => {
      this.ready = false;
      this.events.status?.(false);
    });
    this.socket.addEventListener("message", (e: MessageEvent) => this.onFrame(e.data));
  }

  get open(): boolean {
    return this.socket.readyState === 1;
  }

  /** Queues a message; it is sent now if connected and after every reconnect until acknowledged. */
  send(content: MessageContent, clientId = this.newClientId()): string {
    this.pending.set(clientId, { clientId, content, state: "sending", createdAt: Date.now() });
    this.transmit({ type: "send", clientId, content });
    return clientId;
  }

  /** Sends a failed message again (tap to resend). */
  retry(clientId: string): void {
    const p = this.pending.get(clientId);
    if (!p) return;
    p.state = "sending";
    p.error = undefined;
    this.transmit({ type: "send", clientId, content: p.content });
  }

  markRead(seq = this.lastSeq): void {
    this.transmit({ type: "read", seq });
  }

  typing(): void {
    this.transmit({ type: "typing" });
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }

  private closed = false;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private refusalStreak = 0;

  /**
   * The room refused a send for now (rate limit, storage hiccup) and holds back the later ones:
   * after a growing, jittered delay, everything pending goes again, oldest first.
   */
  private resendLater(): void {
    if (this.flushTimer) return;
    // Refusals in a row with no ack between them back off; any ack starts over.
    this.refusalStreak++;
    const delay = Math.min(8000, 500 * 2 ** Math.min(this.refusalStreak - 1, 4)) * (0.75 + Math.random() * 0.5);
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      // Messages still in flight are not sent again: a copy would only queue behind them.
      if (!this.closed) this.resendPending((p) => p.refused === true);
    }, delay);
  }

  private resendPending(which: (p: Pending) => boolean = () => true): void {
    const waiting = [...this.pending.values()].filter((p) => p.state === "sending" && which(p)).sort((a, b) => a.createdAt - b.createdAt);
    for (const p of waiting) {
      p.refused = false;
      this.transmit({ type: "send", clientId: p.clientId, content: p.content });
    }
  }

  /** Drops the connection without closing the client: it reconnects as after a network loss. */
  reconnect(): void {
    this.socket.reconnect();
  }

  /** Adds messages loaded over HTTP (the first page, older pages); no events fire for them. */
  seed(messages: Message[]): void {
    for (const m of messages) {
      if (this.messages.has(m.seq)) continue;
      this.messages.set(m.seq, m);
      this.pending.delete(m.clientId);
    }
    this.advance();
  }

  /** Messages in seq order. */
  history(): Message[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  /**
   * True once this connection's open handler has run. A new socket can report OPEN before that;
   * sending then would let a fresh message overtake the pending ones resent on open.
   */
  private ready = false;

  private transmit(frame: ClientFrame): void {
    if (this.ready && this.open) this.socket.send(JSON.stringify(frame));
  }

  private onOpen(): void {
    this.ready = true;
    this.events.status?.(true);
    this.transmit({ type: "sync", after: this.lastSeq });
    this.resendPending();
  }

  private remember(m: Message): void {
    const known = this.messages.get(m.seq);
    if (known) {
      // The room sends a stored message again only to flag it (rooms/conversation-room.ts flagMessage).
      if (m.flagged && !known.flagged) {
        this.messages.set(m.seq, { ...known, flagged: true });
        this.events.updated?.(this.messages.get(m.seq)!);
      }
      return;
    }
    this.messages.set(m.seq, m);
    // A message seen here means any pending copy of it was stored.
    this.pending.delete(m.clientId);
    this.advance();
    this.events.message?.(m);
  }

  /** lastSeq only moves over contiguous history so a sync after reconnect fills any hole. */
  private advance(): void {
    while (this.messages.has(this.lastSeq + 1)) this.lastSeq++;
  }

  private onFrame(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = serverFrameSchema.parse(JSON.parse(String(data)));
    } catch {
      return;
    }
    switch (frame.type) {
      case "ack": {
        this.refusalStreak = 0;
        const p = this.pending.get(frame.clientId);
        this.pending.delete(frame.clientId);
        if (p && !this.messages.has(frame.seq)) {
          const c = p.content;
          this.messages.set(frame.seq, {
            conversationId: this.options.conversationId,
            seq: frame.seq,
            clientId: frame.clientId,
            sender: this.options.self.party,
            senderId: this.options.self.id,
            kind: c.kind,
            text: "text" in c ? c.text : null,
            mediaKey: "mediaKey" in c ? c.mediaKey : null,
            durationMs: "durationMs" in c ? c.durationMs : null,
            flagged: false,
            sentAt: frame.sentAt,
            readAt: null,
          });
          this.advance();
        }
        this.events.ack?.(frame.clientId, frame.seq);
        return;
      }
      case "message":
        return this.remember(frame.message);
      case "synced":
        if (frame.more) this.transmit({ type: "sync", after: this.lastSeq });
        this.events.synced?.(frame.upTo);
        return;
      case "read":
        this.events.read?.(frame.by, frame.seq);
        return;
      case "conversation":
        this.state = frame.conversation;
        this.events.conversation?.(frame.conversation);
        return;
      case "presence":
        this.events.presence?.(frame.staffId, frame.presence);
        return;
      case "typing":
        this.events.typing?.(frame.by);
        return;
      case "error": {
        if (isRevocationFrame(frame)) return this.socket.reconnect();
        const p = frame.clientId ? this.pending.get(frame.clientId) : undefined;
        if (p && FINAL_ERRORS.has(frame.code)) {
          p.state = "failed";
          p.error = frame.message;
          this.events.failed?.(p.clientId, frame.code, frame.message);
        } else {
          if (p) {
            p.refused = true;
            this.resendLater();
          }
          this.events.error?.(frame.code, frame.message);
        }
        return;
      }
      default:
        return;
    }
  }
}
