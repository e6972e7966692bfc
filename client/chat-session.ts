// One open chat as a page sees it: history over HTTP, the live socket, media uploads, read
// receipts, and the bubbles to render. Used by the mini program (customer and staff) and H5.
import { type ApiClient, type ConversationDetail, socketTarget } from "./api";
import { ConversationClient, randomClientId } from "./conversation-client";
import type { Outbox } from "./outbox";
import { durationLabel, timeLabel } from "./format";
import type { ConversationStatus, Message, MessageContent, MessageKind } from "../protocol";

export type BubbleState = "sending" | "sent" | "failed";

/** What staff see under a customer's message that WeChat's content check flagged, or that it could not check. */
export const FLAGGED_NOTICE = "⚠ 内容待审核：未通过或未完成内容安全检测";
export type Bubble = {
  /** Stable across the send: the client id, so a bubble keeps its place from sending to sent. */
  key: string;
  seq: number;
  mine: boolean;
  system: boolean;
  kind: MessageKind;
  text: string;
  imageUrl: string;
  voiceUrl: string;
  duration: string;
  state: BubbleState;
  /** Read receipt of own sent messages: 已读 / 未读. */
  receipt: string;
  error: string;
  /** For staff: a customer's message the content check flagged or could not check (FLAGGED_NOTICE), else "". */
  flag: string;
  /** Time label shown above the bubble when it starts a new time group, else "". */
  time: string;
};

type Upload<F> = {
  clientId: string;
  kind: "image" | "voice";
  file: F;
  fileName: string;
  localUrl: string;
  durationMs: number;
  state: "sending" | "failed";
  error?: string;
  createdAt: number;
};

export type ChatSessionOptions<F> = {
  api: ApiClient<F>;
  conversationId: string;
  self: { party: "customer" | "staff"; id: string };
  token: () => string;
  /** A WebSocket class (the wx.connectSocket adapter in the mini program). */
  WebSocket?: unknown;
  pageSize?: number;
  /** Keeps unacknowledged messages across restarts of the app; they go again when the chat opens. */
  outbox?: Outbox;
  /** Called (batched) whenever what the page shows may have changed. */
  onChange: () => void;
};

const TIME_GAP_MS = 5 * 60_000;
const TYPING_SHOWN_MS = 4000;

export class ChatSession<F> {
  client: ConversationClient | null = null;
  detail: ConversationDetail | null = null;
  status: ConversationStatus = "pending";
  /** The other side has read own messages up to this seq. */
  peerReadSeq = 0;
  /** This side has read the other side's messages up to this seq. */
  ownReadSeq = 0;
  hasOlder = false;
  /** The customer's earlier conversations shown above this one, oldest first. */
  earlier: Message[] = [];
  /** Where the next page of earlier conversations starts; null: none left (staff never page back past this one). */
  private earlierCursor: string | null = null;
  connected = false;
  peerTypingUntil = 0;
  /** Page visible: incoming messages are marked read at once. */
  visible = true;
  readonly uploads = new Map<string, Upload<F>>();
  private scheduled = false;
  private closed = false;

  constructor(private readonly options: ChatSessionOptions<F>) {}

  get conversationId(): string {
    return this.options.conversationId;
  }

  private get peer(): "customer" | "staff" {
    return this.options.self.party === "customer" ? "staff" : "customer";
  }

  /** Loads the conversation and its latest page, then opens the socket (which syncs anything newer). */
  async start(): Promise<void> {
    const { api, conversationId, self } = this.options;
    const pageSize = this.options.pageSize ?? 30;
    const [detail, page] = await Promise.all([api.conversation(conversationId), api.messages(conversationId, { limit: pageSize })]);
    // Closed while loading (the page was left): never open the socket.
    if (this.closed) return;
    this.detail = detail;
    this.status = detail.conversation.status;
    this.hasOlder = (page.messages[0]?.seq ?? 1) > 1;
    // A customer sees their earlier conversations above this one: the first page of them comes
    // with this one's start when this one fits on a page.
    if (self.party === "customer") {
      this.earlierCursor = "";
      if (!this.hasOlder) await this.loadEarlier().catch(() => undefined);
      this.hasOlder ||= this.earlierCursor !== null;
    }
    const client = new ConversationClient({
      ...socketTarget(api.baseUrl),
      conversationId,
      self,
      ticket: () => api.socketTicket(),
      WebSocket: this.options.WebSocket,
      lastSeq: page.messages[page.messages.length - 1]?.seq ?? 0,
      events: {
        message: (m) => {
          if (m.sender === this.peer) this.peerTypingUntil = 0;
          this.readIfVisible();
          this.changed();
        },
        updated: () => this.changed(),
        ack: () => this.changed(),
        failed: () => this.changed(),
        read: (by, seq) => {
          if (by === this.peer) this.peerReadSeq = Math.max(this.peerReadSeq, seq);
          else this.ownReadSeq = Math.max(this.ownReadSeq, seq);
          this.changed();
        },
        conversation: (c) => {
          this.status = c.status;
          // Handed over (a transfer, a scanned exclusive code): show the new staff member's card.
          if (this.detail && c.staffId !== this.detail.staff.id) void this.reloadDetail();
          this.peerReadSeq = Math.max(this.peerReadSeq, self.party === "customer" ? c.staffReadSeq : c.customerReadSeq);
          this.ownReadSeq = Math.max(this.ownReadSeq, self.party === "customer" ? c.customerReadSeq : c.staffReadSeq);
          this.readIfVisible();
          this.changed();
        },
        presence: (staffId, presence) => {
          if (this.detail?.staff.id !== staffId) return;
          this.detail = { ...this.detail, staff: { ...this.detail.staff, presence } };
          this.changed();
        },
        typing: (by) => {
          if (by === this.peer) this.peerTypingUntil = Date.now() + TYPING_SHOWN_MS;
          this.changed();
        },
        synced: () => this.changed(),
        status: (open) => {
          this.connected = open;
          this.changed();
        },
      },
    });
    client.seed(page.messages);
    this.client = client;
    // Left over from before a restart: sent again under their own client ids, oldest first.
    for (const item of this.options.outbox?.load(conversationId) ?? []) {
      client.send(item.content, item.clientId);
      const pending = client.pending.get(item.clientId);
      if (pending) pending.createdAt = item.createdAt;
    }
    this.changed();
  }

  private async reloadDetail() {
    try {
      this.detail = await this.options.api.conversation(this.options.conversationId);
      this.changed();
    } catch {
      // Access may be gone (the staff side after a transfer); the socket says so itself.
    }
  }

  /** Loads the page before the oldest message shown (this conversation's, then earlier ones'); returns how many arrived. */
  async loadOlder(): Promise<number> {
    const client = this.client;
    if (!client || !this.hasOlder) return 0;
    const oldest = client.history()[0]?.seq;
    if (!oldest || oldest <= 1) {
      const arrived = await this.loadEarlier();
      this.hasOlder = this.earlierCursor !== null;
      this.changed();
      return arrived;
    }
    const page = await this.options.api.messages(this.options.conversationId, { before: oldest, limit: this.options.pageSize ?? 30 });
    client.seed(page.messages);
    this.hasOlder = (page.messages[0]?.seq ?? 1) > 1 || this.earlierCursor !== null;
    this.changed();
    return page.messages.length;
  }

  private async loadEarlier(): Promise<number> {
    if (this.earlierCursor === null) return 0;
    const page = await this.options.api.earlier(this.options.conversationId, this.earlierCursor || undefined, this.options.pageSize ?? 30);
    this.earlier = [...page.messages, ...this.earlier];
    this.earlierCursor = page.next;
    return page.messages.length;
  }

  sendText(text: string): boolean {
    const trimmed = text.trim();
    if (!trimmed || !this.client) return false;
    this.client.send({ kind: "text", text: trimmed });
    this.changed();
    return true;
  }

  sendEmoji(emoji: string): void {
    if (!this.client) return;
    this.client.send({ kind: "emoji", text: emoji });
    this.changed();
  }

  /** Shows the bubble at once, uploads the file, then sends the message (same client id throughout). */
  async sendMedia(media: { kind: "image" | "voice"; file: F; fileName: string; localUrl: string; durationMs?: number }): Promise<void> {
    const upload: Upload<F> = { ...media, durationMs: media.durationMs ?? 0, clientId: randomClientId(), state: "sending", createdAt: Date.now() };
    this.uploads.set(upload.clientId, upload);
    this.changed();
    await this.upload(upload);
  }

  private async upload(upload: Upload<F>): Promise<void> {
    try {
      const stored = await this.options.api.upload(this.options.conversationId, upload.file, upload.fileName);
      const content: MessageContent =
        upload.kind === "image"
          ? { kind: "image", mediaKey: stored.key }
          : { kind: "voice", mediaKey: stored.key, durationMs: Math.round(upload.durationMs) };
      this.uploads.delete(upload.clientId);
      this.client?.send(content, upload.clientId);
    } catch (error) {
      upload.state = "failed";
      upload.error = error instanceof Error ? error.message : "上传失败";
    }
    this.changed();
  }

  /** Tap on a failed bubble. */
  retry(clientId: string): void {
    const upload = this.uploads.get(clientId);
    if (upload) {
      upload.state = "sending";
      upload.error = undefined;
      this.changed();
      void this.upload(upload);
      return;
    }
    this.client?.retry(clientId);
    this.changed();
  }

  typing(): void {
    this.client?.typing();
  }

  get peerTyping(): boolean {
    return this.peerTypingUntil > Date.now();
  }

  /** Marks everything shown as read when the other side wrote something newer than our last read. */
  markRead(): void {
    const client = this.client;
    if (!client) return;
    const latestPeer = client
      .history()
      .filter((m) => m.sender === this.peer)
      .reduce((max, m) => Math.max(max, m.seq), 0);
    if (latestPeer > this.ownReadSeq) client.markRead(client.lastSeq);
  }

  private readIfVisible(): void {
    if (this.visible) this.markRead();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.markRead();
  }

  /** What waits for an ack is on the device at once, not at the next render: the app may be killed any time. */
  private keepOutbox(): void {
    const client = this.client;
    if (!client || !this.options.outbox || this.closed) return;
    const waiting = [...client.pending.values()].filter((p) => p.state === "sending");
    this.options.outbox.save(this.options.conversationId, waiting.map(({ clientId, content, createdAt }) => ({ clientId, content, createdAt })));
  }

  close(): void {
    this.closed = true;
    this.client?.close();
  }

  /** A signed media URL arrived (client/api.ts signedUrlNow): render again. */
  private readonly signedReady = () => this.changed();

  /** Batches change notifications: a sync may deliver hundreds of frames at once. */
  private changed(): void {
    this.keepOutbox();
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setTimeout(() => {
      this.scheduled = false;
      if (!this.closed) this.options.onChange();
    }, 0);
  }

  bubbles(now = Date.now()): Bubble[] {
    const client = this.client;
    if (!client) return [];
    const api = this.options.api;
    const self = this.options.self;
    const list: (Omit<Bubble, "time"> & { at: number })[] = [];
    for (const m of this.earlier) {
      const mine = m.sender === self.party && m.senderId === self.id;
      // Keys stay unique across conversations; receipts belong to the current one only.
      list.push({ ...this.messageFields(m, mine), key: `${m.conversationId}:${m.clientId}`, seq: 0, receipt: "", at: m.sentAt });
    }
    for (const m of client.history()) {
      const mine = m.sender === self.party && m.senderId === self.id;
      list.push({ ...this.messageFields(m, mine), at: m.sentAt });
    }
    const waiting = [
      ...[...client.pending.values()].map((p) => ({ clientId: p.clientId, content: p.content, state: p.state, error: p.error, createdAt: p.createdAt, localUrl: "" })),
      ...[...this.uploads.values()].map((u) => ({
        clientId: u.clientId,
        content: { kind: u.kind, durationMs: u.durationMs } as const,
        state: u.state,
        error: u.error,
        createdAt: u.createdAt,
        localUrl: u.localUrl,
      })),
    ].sort((a, b) => a.createdAt - b.createdAt);
    for (const p of waiting) {
      const c = p.content;
      list.push({
        key: p.clientId,
        seq: 0,
        mine: true,
        system: false,
        kind: c.kind,
        text: "text" in c ? c.text : "",
        imageUrl: c.kind === "image" ? p.localUrl || ("mediaKey" in c ? api.mediaUrl(c.mediaKey, this.signedReady) : "") : "",
        voiceUrl: c.kind === "voice" ? p.localUrl || ("mediaKey" in c ? api.mediaUrl(c.mediaKey, this.signedReady) : "") : "",
        duration: c.kind === "voice" ? durationLabel(c.durationMs) : "",
        state: p.state,
        receipt: "",
        error: p.error ?? "",
        flag: "",
        at: p.createdAt,
      });
    }
    let previous = 0;
    return list.map(({ at, ...b }) => {
      const time = at - previous > TIME_GAP_MS ? timeLabel(at, now) : "";
      previous = at;
      return { ...b, time };
    });
  }

  private messageFields(m: Message, mine: boolean): Omit<Bubble, "time"> {
    const api = this.options.api;
    return {
      key: m.clientId,
      seq: m.seq,
      mine,
      system: m.sender === "system",
      kind: m.kind,
      text: m.text ?? "",
      imageUrl: m.kind === "image" && m.mediaKey ? api.mediaUrl(m.mediaKey, this.signedReady) : "",
      voiceUrl: m.kind === "voice" && m.mediaKey ? api.mediaUrl(m.mediaKey, this.signedReady) : "",
      duration: m.kind === "voice" ? durationLabel(m.durationMs) : "",
      state: "sent",
      receipt: mine ? (m.seq <= this.peerReadSeq ? "已读" : "未读") : "",
      error: "",
      flag: m.flagged && this.options.self.party === "staff" ? FLAGGED_NOTICE : "",
    };
  }
}
