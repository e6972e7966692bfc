// One actor per conversation: the live sockets of its customer and staff, message
// sequencing and dedup, read receipts, the idle timeout alarm and transfers.
import { type Connection, type ConnectionContext, Server, type WSMessage } from "partyserver";
import { createDb, type Db } from "../domain/db/client";
import { type ConversationRow, type MessageRow, toInboxItem, toMessage } from "../domain/db/mappers";
import type { Env } from "../domain/env";
import { actorError, errorResponse } from "../domain/errors";
import { accessRefusal } from "../domain/access";
import type { StaffRoom } from "./staff-room";
import {
  clientFrameSchema,
  type ConversationState,
  type InboxItem,
  LIMITS,
  type Message,
  parseFrame,
  type SendFrame,
  type ServerFrame,
} from "../protocol";
import { RATE_LIMITED_MESSAGE } from "../domain/rate-limit";
import { pushStaffReply } from "../domain/push";
import { idleDeadline, isWorkingTime, loadSettings } from "../domain/settings";
import { type Screening, screenCustomerMessage } from "../domain/wechat/content-check";
import { flagMessageInD1, startMediaCheck } from "../domain/wechat/media-check";
import { endConversation, loadConversation, recordTransfer, type TransferSource } from "./conversation-store";
import { afterMessage, afterRead, mergeD1Row, messageRow, type NewMessage } from "./conversation-row";
import { MessageLog } from "./message-log";
import { D1Copy } from "./d1-copy";
import { increasingIds } from "./increasing-ids";
import { d1CopyRoom } from "./d1-copy-room";
import { autoReplies } from "./auto-reply";
import { answerCodelessClose, type Identity, identityOf, sendFrame } from "./identity";
import { IdentityFrameLimits } from "./frame-limits";
import { identitySockets, identityTag } from "./identity-sockets";
import { broadcastTo, hasSocket } from "./room-broadcast";

/** `refused`: the first send of this socket refused for now, and when it arrived (see `refuse`). */
const RECENT_ACKS = 500;
const SNAPSHOT_KEY = "conversation";
/** Where partyserver keeps a room's name (NAME_STORAGE_KEY in its source). */
const PARTYSERVER_NAME_KEY = "__ps_name";
/**
 * A message changes the row in memory only; the snapshot is written again once it is this many
 * messages behind (and on every other change). A room that wakes replays the messages after it.
 */
const SNAPSHOT_EVERY = 32;
/** How long at most a refused send holds back the later ones of its socket. */
const HOLD_BACK_MS = 30_000;
/**
 * How long a change waits to be handed to the copier, which waits up to a second more for company:
 * D1 has a message within about 1.5 s of its ack.
 */
const HANDOVER_DELAY_MS = 400;
/**
 * How long after a handover the alarm makes sure D1 has it: only a room whose copier lost its
 * handover (a crash) and that no client woke since has anything to do then.
 */
const COPY_BACKSTOP_MS = 300_000;

type SocketState = Identity & { refused?: { clientId: string; ticket: number } };
type Customer = { nickname: string | null; avatar: string | null; openid: string } | null;
type Snapshot = { row: ConversationRow; customer: Customer };

export class ConversationRoom extends Server<Env> {
  static override options = { hibernate: true };

  private db!: Db;
  private row!: ConversationRow;
  private customer: Customer = null;
  /** Sends, reads, transfers and the alarm run one at a time so seq numbers never race. */
  private chain: Promise<unknown> = Promise.resolve();
  /** Inbox notifications keep their order too, without holding up acks. */
  private notifyChain: Promise<unknown> = Promise.resolve();

  /** Runs `send` after the notifications queued before it; a failure is logged and does not stop the ones after. */
  private afterNotifies(what: string, send: () => Promise<unknown>) {
    this.notifyChain = this.notifyChain.then(send).catch((error) => console.error(`${what} failed`, error));
  }
  private readonly limits = new IdentityFrameLimits(this.env);

  /** The messages, in this room's own storage (acks are given from there); D1 gets copies. */
  private log!: MessageLog;
  private copy!: D1Copy;

  override async onStart() {
    this.db = createDb(this.env);
    this.log = new MessageLog(this.ctx.storage.sql, this.name);
    const copier = d1CopyRoom(this.env, this.name);
    this.copy = new D1Copy(this.db, () => copier, this.ctx.storage.kv, this.log, this.name, () => this.row);
    const snapshot = this.ctx.storage.kv.get<Snapshot>(SNAPSHOT_KEY);
    if (snapshot) {
      this.row = this.replay(snapshot.row);
      this.customer = snapshot.customer;
    } else {
      await this.reload();
    }
    await this.copy.adoptHistory(this.row.lastSeq);
    // Changes not yet in D1 when the room last stopped (a crash between its commit and the copy) go now.
    if (this.copy.due() !== null) this.copyNow();
  }

  /** Copies to D1 now; after a failure the alarm retries. */
  private copyNow() {
    void this.copy.flush().catch((error) => {
      console.error("D1 copy failed", error);
      const at = this.copy.due();
      if (at === null) return;
      this.copyDue(at);
      return this.serial(() => this.scheduleTimeout());
    });
  }

  /**
   * Acks of the messages stored since this room woke, by client id: a resend is answered from here
   * without a query. Older resends are caught by the unique (conversation, clientId) index on insert.
   */
  private readonly acks = new Map<string, { seq: number; sentAt: number }>();

  private remember(clientId: string, ack: { seq: number; sentAt: number }) {
    this.acks.set(clientId, ack);
    if (this.acks.size > RECENT_ACKS) this.acks.delete(this.acks.keys().next().value!);
  }

  /** Reads the conversation from D1, the source of truth (RPCs, the alarm, and after a failed write). */
  private async reload() {
    const found = await loadConversation(this.db, this.name);
    if (!found) throw new Error(`conversation ${this.name} not found`);
    this.customer = found.customer;
    this.adopt(found.row);
    this.stale = false;
  }

  /** Set when a write failed: the snapshot may be behind D1 (say, a batch committed but its reply was lost). */
  private stale = false;

  /**
   * The room's copy of its conversation row, also kept in its own storage: a room that wakes from
   * hibernation (every few seconds for a quiet conversation) starts from there instead of a D1 query.
   * Only this room changes the fields it relies on; writes from elsewhere come back with the next row D1 returns.
   */
  private setRow(row: ConversationRow) {
    this.row = row;
    this.snapshotSeq = row.lastSeq;
    this.ctx.storage.kv.put(SNAPSHOT_KEY, { row, customer: this.customer } satisfies Snapshot);
  }

  /** The row's lastSeq as last written to the snapshot. */
  private snapshotSeq = 0;

  /** A row (the snapshot, or D1's) brought up to this room's log: the messages after it, applied in order. */
  private replay(row: ConversationRow): ConversationRow {
    this.snapshotSeq = row.lastSeq;
    for (let rows = this.log.after(row.lastSeq, 200); rows.length > 0; rows = this.log.after(row.lastSeq, 200)) {
      for (const m of rows) row = afterMessage(row, m);
    }
    return row;
  }

  /** Takes a row D1 returned, keeping the message fields this room is ahead on. */
  private adopt(d1Row: ConversationRow) {
    this.setRow(this.replay(mergeD1Row(d1Row, this.row)));
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private state(): ConversationState {
    const r = this.row;
    return {
      id: r.id,
      customerId: r.customerId,
      staffId: r.staffId,
      status: r.status,
      lastSeq: r.lastSeq,
      customerReadSeq: r.customerReadSeq,
      staffReadSeq: r.staffReadSeq,
      endedAt: r.endedAt,
    };
  }

  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    const who = identityOf(ctx.request);
    return [who.party, identityTag(who)];
  }

  override onConnect(conn: Connection<Identity>, ctx: ConnectionContext) {
    const who = identityOf(ctx.request);
    conn.setState(who);
    sendFrame(conn, { type: "conversation", conversation: this.state() });
    if (who.party === "customer") this.tellWatching(this.row.staffId, true);
  }

  override onClose(conn: Connection<Identity>, code: number) {
    answerCodelessClose(conn, code);
    if (conn.state?.party === "customer" && !hasSocket(this.ctx, { tag: "customer", without: conn })) this.tellWatching(this.row.staffId, false);
  }

  /**
   * Tells the serving staff member's room whether this conversation's customer has the chat page
   * open: staff presence changes reach only those rooms (rooms/staff-room.ts).
   */
  private tellWatching(staffId: string, watching: boolean) {
    const id = this.row.id;
    this.afterNotifies("watching notify", () => this.staffRoom(staffId).watching(id, watching));
  }

  override async onMessage(conn: Connection<SocketState>, raw: WSMessage) {
    const who = conn.state;
    if (!who) return;
    if (typeof raw !== "string" || raw.length > 16 * 1024) {
      sendFrame(conn, { type: "error", code: "bad_frame", message: "帧必须是不超过 16KB 的 JSON 文本" });
      return;
    }
    const parsed = parseFrame(clientFrameSchema, raw);
    if (!parsed.ok) {
      sendFrame(conn, { type: "error", code: "bad_frame", message: parsed.message });
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case "send": {
        const known = this.acks.get(frame.clientId);
        // Already stored: answered at once, never limited or held back.
        if (known) return this.ackAgain(conn, frame.clientId, known);
        const ticket = this.nextTicket();
        if (this.heldBack(conn, frame.clientId, ticket)) return;
        if (!this.limits.send(who)) {
          // Not acknowledged: the client keeps the message and sends it again later.
          this.refuse(conn, frame.clientId, ticket, "rate_limited", RATE_LIMITED_MESSAGE);
          return;
        }
        // The refused message is back: what follows may queue behind it again.
        if (conn.state?.refused?.clientId === frame.clientId) this.clearRefused(conn);
        // The content check starts now, so a burst's checks overlap instead of queueing one by one.
        const screening = this.screen(who, frame);
        return this.serial(async () => {
          if (!this.heldBack(conn, frame.clientId, ticket)) await this.handleSend(conn, who, frame, screening);
        }).catch((error) => {
          console.error("send failed", error);
          this.stale = true;
          // Not acknowledged, so the client keeps it and resends.
          this.refuse(conn, frame.clientId, ticket, "internal", "消息暂未保存，请重试");
        });
      }
      case "read":
        return this.serial(() => this.handleRead(who, frame.seq));
      case "sync": {
        const metered = this.limits.sync(conn, who);
        return metered ? this.handleSync(metered, frame.after) : undefined;
      }
      case "typing":
        if (this.limits.typing(who)) this.broadcastFrame({ type: "typing", by: who.party }, { without: conn });
        return;
    }
  }

  /**
   * A socket's sends are stored in the order it sent them. Once one is refused for now (rate limit,
   * storage failure), the ones that arrived after it are refused too until it comes back (clients
   * resend pending messages oldest first), so no message overtakes an earlier one. Tickets number
   * the sends in arrival order, so a send queued before the refused one still goes through.
   * The mark lives in the socket's own state: a reconnecting client keeps its connection id.
   */
  /** Increasing even across hibernation, which forgets the field but not the socket's mark. */
  private readonly nextTicket = increasingIds();

  private refuse(conn: Connection<SocketState>, clientId: string, ticket: number, code: "rate_limited" | "internal", message: string) {
    if (!conn.state?.refused) conn.setState((s) => ({ ...(s as SocketState), refused: { clientId, ticket } }));
    sendFrame(conn, { type: "error", code, message, clientId });
  }

  private clearRefused(conn: Connection<SocketState>) {
    conn.setState((st) => ({ ...(st as SocketState), refused: undefined }));
  }

  /** Answers a resend of a stored message with its original ack. */
  private ackAgain(conn: Connection, clientId: string, stored: { seq: number; sentAt: number }) {
    this.remember(clientId, { seq: stored.seq, sentAt: stored.sentAt });
    sendFrame(conn, { type: "ack", clientId, seq: stored.seq, sentAt: stored.sentAt, duplicate: true });
  }

  private heldBack(conn: Connection<SocketState>, clientId: string, ticket: number): boolean {
    const refused = conn.state?.refused;
    if (!refused || refused.clientId === clientId || refused.ticket > ticket) return false;
    // The refused message may have been stored through another socket, or the client may have
    // dropped it; then it never comes back here, so the mark gives way (at once, or after a while).
    if (this.acks.has(refused.clientId) || refused.ticket < (Date.now() - HOLD_BACK_MS) * 1000) {
      this.clearRefused(conn);
      return false;
    }
    sendFrame(conn, { type: "error", code: "rate_limited", message: "请按顺序重发较早的消息", clientId });
    return true;
  }

  private broadcastFrame(frame: ServerFrame, to?: { tag?: string; without?: WebSocket }) {
    broadcastTo(this.ctx, JSON.stringify(frame), to);
  }

  private screen(who: Identity, frame: SendFrame): Promise<Screening> {
    if (who.party !== "customer" || this.acks.has(frame.clientId)) return Promise.resolve("accept");
    return screenCustomerMessage(this.env, this.customer?.openid, frame.content);
  }

  private async handleSend(conn: Connection<SocketState>, who: Identity, frame: SendFrame, screened: Promise<Screening>) {
    if (this.stale) await this.reload();
    const content = frame.content;
    const owned = "mediaKey" in content ? await this.ownsMedia(content.mediaKey) : true;
    const screening = await screened;
    // A resend of a stored message gets its original ack, even after the conversation ended. One
    // this room no longer remembers is found by the store (the log's unique client id).
    const known = this.acks.get(frame.clientId) ?? (this.row.status === "ended" ? this.log.byClientId(frame.clientId) : undefined);
    if (known) return this.ackAgain(conn, frame.clientId, known);
    if (this.row.status === "ended") {
      sendFrame(conn, { type: "error", code: "conversation_ended", message: "会话已结束，请重新进入", clientId: frame.clientId });
      return;
    }
    if (!owned) {
      sendFrame(conn, { type: "error", code: "bad_frame", message: "媒体文件不属于此会话", clientId: frame.clientId });
      return;
    }
    if (screening === "refuse") {
      sendFrame(conn, { type: "error", code: "content_risky", message: "消息含有违规内容，未能发送", clientId: frame.clientId });
      return;
    }
    const firstMessage = this.row.startedAt === null;
    const pending = this.row.status === "pending";
    const message = this.store({
      conversationId: this.row.id,
      seq: this.row.lastSeq + 1,
      clientId: frame.clientId,
      senderType: who.party,
      senderId: who.id,
      content,
      flagged: screening === "flag",
      sentAt: Date.now(),
    });
    if (!message) return this.ackAgain(conn, frame.clientId, this.log.byClientId(frame.clientId)!);
    this.remember(message.clientId, { seq: message.seq, sentAt: message.sentAt });
    // A conversation holds load from its first message (rule 6.3), and assignment, the monitor and
    // statistics read that from D1: this one copy per conversation goes before the ack. Should D1
    // fail, the message is still stored here and the alarm retries the copy.
    if (firstMessage) await this.copy.flush(true).catch((error) => console.error("D1 copy of a first message failed", error));
    sendFrame(conn, { type: "ack", clientId: message.clientId, seq: message.seq, sentAt: message.sentAt, duplicate: false });
    this.broadcastFrame({ type: "message", message: toMessage(message) }, { without: conn });
    // The first staff message makes the conversation active: every page here shows its status.
    if (pending && this.row.status !== "pending") this.broadcastFrame({ type: "conversation", conversation: this.state() });
    if (who.party === "customer") await this.sendAutoReplies(firstMessage).catch((error) => console.error("auto reply failed", error));
    this.notifyInbox(firstMessage);
    if (who.party === "staff") this.pushIfAway(message);
    else this.checkMediaLater(message);
    await this.scheduleTimeout();
  }

  /**
   * Stores a message in this room's log with the conversation row in one transaction (no await in
   * between: the output gate releases the ack only once both are durable); D1 gets a copy later.
   * Undefined: the log already has a message with this client id (a resend), and nothing changed.
   */
  private store(m: NewMessage): MessageRow | undefined {
    const message = messageRow(m);
    this.copy.persist();
    if (!this.log.append(message)) return undefined;
    this.copy.stored(message);
    this.row = afterMessage(this.row, message);
    if (this.row.lastSeq - this.snapshotSeq >= SNAPSHOT_EVERY) this.setRow(this.row);
    this.copySoon(this.copy.changed());
    return message;
  }

  /** Stores a message of the system (transfer notes, auto replies) and shows it to everyone here. */
  private async postSystemMessage(clientId: string, senderId: string, content: NewMessage["content"]) {
    const message = this.store({ conversationId: this.row.id, seq: this.row.lastSeq + 1, clientId, senderType: "system", senderId, content, flagged: false, sentAt: Date.now() });
    if (message) this.broadcastFrame({ type: "message", message: toMessage(message) });
  }

  private async sendAutoReplies(firstMessage: boolean) {
    const now = Date.now();
    const settings = await loadSettings(this.db);
    const offHours = !isWorkingTime(settings.workingHours, now);
    if (!firstMessage && !offHours) return;
    const lastOffHoursReplyAt = offHours ? ((await this.ctx.storage.get<number>("offHoursReplyAt")) ?? null) : null;
    const replies = await autoReplies(this.db, settings, { now, firstMessage, lastOffHoursReplyAt });
    for (const reply of replies) {
      await this.postSystemMessage(`auto-${reply.trigger}-${this.row.lastSeq + 1}`, "auto", { kind: "text", text: reply.text });
      if (reply.trigger === "off_hours") await this.ctx.storage.put("offHoursReplyAt", now);
    }
  }

  /** A staff reply to a customer with no socket here goes out as a subscribe message (domain/push.ts), off the ack path. */
  private pushIfAway(message: MessageRow) {
    if (hasSocket(this.ctx, { tag: "customer" })) return;
    const customerId = this.row.customerId;
    this.afterNotifies("push", () => pushStaffReply(this.env, this.db, message, customerId));
  }

  /**
   * A customer's image or voice goes to WeChat's asynchronous check (domain/wechat/media-check.ts),
   * off the ack path; one WeChat would not take is flagged for staff review, as unchecked text is.
   */
  private checkMediaLater(m: MessageRow) {
    if ((m.kind !== "image" && m.kind !== "voice") || !m.mediaKey || m.flagged) return;
    const media = { conversationId: m.conversationId, seq: m.seq, kind: m.kind, mediaKey: m.mediaKey };
    this.ctx.waitUntil(
      startMediaCheck(this.env, this.db, this.customer?.openid, media)
        .then(async (outcome) => {
          if (outcome === "failed") await this.flagMessage(m.seq);
        })
        .catch((error) => console.error("flagging unchecked media failed", error)),
    );
  }

  private async ownsMedia(key: string): Promise<boolean> {
    if (!key.startsWith(`media/${this.row.id}/`)) return false;
    return (await this.env.MEDIA.head(key)) !== null;
  }

  private async handleRead(who: Identity, seq: number) {
    const upTo = Math.min(seq, this.row.lastSeq);
    const current = who.party === "staff" ? this.row.staffReadSeq : this.row.customerReadSeq;
    if (upTo <= current) return;
    const at = Date.now();
    this.copy.persist();
    this.setRow(afterRead(this.row, who.party, upTo, this.log.markRead(who.party, upTo, at)));
    this.copySoon(this.copy.changed({ reader: who.party, seq: upTo, at }));
    this.broadcastFrame({ type: "read", by: who.party, seq: upTo, at });
    if (who.party === "staff") this.notifyInbox();
    await this.scheduleTimeout();
  }

  private handleSync(conn: { send(data: string): void }, after: number) {
    let cursor = after;
    for (let sent = 0; sent < LIMITS.syncBatch * 5; ) {
      const rows = this.log.after(cursor, LIMITS.syncBatch);
      for (const row of rows) sendFrame(conn, { type: "message", message: toMessage(row) });
      sent += rows.length;
      if (rows.length > 0) cursor = rows[rows.length - 1].seq;
      if (rows.length < LIMITS.syncBatch) {
        sendFrame(conn, { type: "synced", upTo: cursor, more: false });
        return;
      }
    }
    sendFrame(conn, { type: "synced", upTo: cursor, more: true });
  }

  /** The newest inbox item not yet delivered: a burst of messages becomes one inbox update. */
  private inboxPending: { item: InboxItem; loadChanged: boolean } | null = null;

  /**
   * `loadChanged`: the conversation entered or left the staff member's open ones (its first
   * message, its end, a transfer), so the live monitor's load figure needs a refresh.
   */
  private notifyInbox(loadChanged = false) {
    // A visit (nothing written yet) is in no inbox and holds no load.
    if (this.row.lastMessageAt === null) return;
    const queued = this.inboxPending;
    this.inboxPending = { item: toInboxItem(this.row, this.customer), loadChanged: loadChanged || (queued?.loadChanged ?? false) };
    if (queued) return;
    this.afterNotifies("inbox notify", () => {
      const { item, loadChanged } = this.inboxPending!;
      this.inboxPending = null;
      return this.staffRoom(item.staffId).deliver(JSON.stringify({ type: "inbox", item } satisfies ServerFrame), loadChanged);
    });
  }

  /** StaffRoom.deliver needs nothing from onStart, so a plain stub does (no partyserver start round trip). */
  private staffRoom(staffId: string): DurableObjectStub<StaffRoom> {
    if (this.staffStub?.id !== staffId) this.staffStub = { id: staffId, stub: this.env.StaffRoom.getByName(staffId) };
    return this.staffStub.stub;
  }

  /** The serving staff member's room (kept: a stub costs a name hash). */
  private staffStub: { id: string; stub: DurableObjectStub<StaffRoom> } | undefined;

  private toStaffRoom(staffId: string, frame: ServerFrame, loadChanged: boolean) {
    this.afterNotifies("inbox notify", () => this.staffRoom(staffId).deliver(JSON.stringify(frame), loadChanged));
  }

  /**
   * When the alarm is set to go off (undefined: not read yet). One alarm serves the idle timeout
   * and the D1 copy: it is set for the earlier of the two.
   */
  private alarmAt: number | null | undefined;
  /** When the D1 copy is due, as last told by `copy.changed()` (armed with the idle timeout). */
  private copyAt: number | null = null;

  private copyDue(at: number) {
    this.copyAt = Math.min(this.copyAt ?? at, at);
  }

  private copyTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Copies to D1 at `due` on a timer while the room is awake; the alarm, armed for a while later,
   * is only the backstop should the room stop first. So a room with steady traffic writes its
   * alarm about once per backstop period instead of twice per message.
   */
  private copySoon(due: number) {
    // A reply or the next message of a burst usually follows within HANDOVER_DELAY_MS: one handover takes them all.
    this.copyTimer ??= setTimeout(() => {
      this.copyTimer = undefined;
      this.copyNow();
    }, Math.max(HANDOVER_DELAY_MS, due - Date.now()));
    this.copyDue(due + COPY_BACKSTOP_MS);
  }

  /**
   * Arms the alarm for the idle timeout or a pending D1 copy's backstop. An alarm already armed
   * for an earlier time is left alone: when it goes off, onAlarm re-arms for the real due time.
   */
  private async scheduleTimeout() {
    const idle = this.row.status === "ended" ? Infinity : idleDeadline(this.row, await loadSettings(this.db));
    const due = Math.min(idle, this.copyAt ?? Infinity);
    this.copyAt = null;
    if (due === Infinity) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= due) return;
    await this.setAlarmAt(due);
  }

  private async setAlarmAt(at: number) {
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }

  override async onAlarm() {
    this.alarmAt = null;
    // What D1 has is recorded here (handovers the copier lost go again).
    await this.copy.settle().catch((error) => console.error("D1 copy failed", error));
    await this.serial(async () => {
      this.copy.persist(true);
      // The room's own row says when it idles; D1 is read only when it looks due.
      const settings = await loadSettings(this.db);
      const idle = () => this.row.status !== "ended" && Date.now() >= idleDeadline(this.row, settings);
      if (idle()) {
        await this.reload();
        if (idle()) await this.finish("timeout");
      }
      const copyAt = this.copy.due();
      if (copyAt !== null) this.copyDue(this.copyTimer ? copyAt + COPY_BACKSTOP_MS : copyAt);
      await this.scheduleTimeout();
    });
  }

  private async finish(reason: string) {
    // An ended conversation is whole in D1 (earlier-history pages, transcripts and exports read it there).
    await this.copy.flush(true).catch((error) => console.error("D1 copy before the end failed; the alarm retries", error));
    this.copy.persist(true);
    const ended = await endConversation(this.db, this.row.id, reason, Date.now());
    if (!ended) return;
    this.adopt(ended);
    this.broadcastFrame({ type: "conversation", conversation: this.state() });
    this.notifyInbox(true);
  }

  // ---------- from the Worker ----------

  /**
   * A socket upgrade (the only request the Worker lets through) is checked here, against the room's
   * own row, or, before it first started, D1's, kept as its snapshot so that its start reads no D1.
   * The Worker verified the token and says who connects in the identity header; checking here
   * instead of in a call of its own saves an actor call per socket.
   */
  override async fetch(request: Request): Promise<Response> {
    const row = this.row ?? this.ctx.storage.kv.get<Snapshot>(SNAPSHOT_KEY)?.row ?? (await (this.firstAccess ??= this.prepare()))?.row;
    const who = identityOf(request);
    const refused = accessRefusal({ role: who.role, sub: who.id }, row, "无权进入此会话");
    return refused ? errorResponse(refused) : super.fetch(request);
  }

  /** The D1 read of a new room's first upgrade, shared: a conversation's two sockets often arrive together. */
  private firstAccess?: Promise<Snapshot | null>;

  /**
   * A new room takes its snapshot from D1 and writes, in the same commit, what its start would
   * otherwise write in commits of its own: the message table, and partyserver's name record
   * (its start writes `__ps_name` unless it is there). Each commit is an fsync locally, and a burst
   * of first connections was bound by them.
   */
  private async prepare(): Promise<Snapshot | null> {
    try {
      const found = await loadConversation(createDb(this.env), this.name);
      if (found) {
        this.ctx.storage.kv.put(SNAPSHOT_KEY, found satisfies Snapshot);
        MessageLog.createTable(this.ctx.storage.sql);
        if (this.ctx.id.name) this.ctx.storage.kv.put(PARTYSERVER_NAME_KEY, this.ctx.id.name);
      }
      return found;
    } finally {
      this.firstAccess = undefined;
    }
  }

  /** SessionRoom: counts (or closes, when the session was revoked) an identity's sockets here. */
  async identitySockets(tag: string, close: boolean): Promise<number> {
    return identitySockets(this, tag, close);
  }

  /** Ends the conversation now (staff action or the timeout sweep). Returns the final state. */
  async end(reason: string): Promise<ConversationState> {
    return this.serial(async () => {
      await this.reload();
      if (this.row.status !== "ended") await this.finish(reason);
      return this.state();
    });
  }

  /**
   * The serving staff member's presence changed: the customer's staff card shows it. Answers
   * whether a customer's page is still open here. Needs nothing from onStart.
   */
  async staffPresence(frame: Extract<ServerFrame, { type: "presence" }>): Promise<boolean> {
    this.broadcastFrame(frame);
    return hasSocket(this.ctx, { tag: "customer" });
  }

  /** Ends the conversation if it has been idle past the timeout; used by the cron sweep. */
  async expireIfIdle(): Promise<boolean> {
    await this.onAlarm();
    return this.row.status === "ended";
  }

  async transfer(t: { toStaffId: string; toStaffName: string; byStaffId: string; reason?: string; source?: TransferSource }): Promise<ConversationState> {
    return this.serial(async () => {
      await this.reload();
      const from = this.row.staffId;
      if (this.row.status === "ended") throw actorError("conversation_ended", "会话已结束，无法转接");
      if (from === t.toStaffId) return this.state();
      this.adopt(await recordTransfer(this.db, { conversationId: this.row.id, fromStaffId: from, ...t, at: Date.now() }));
      // The previous staff member loses access; supervisors and admins keep watching.
      for (const conn of this.getConnections<Identity>(`staff:${from}`)) {
        if (conn.state?.role === "staff") conn.close(4403, "transferred");
      }
      // A visit has no history to annotate; a note would only make it look started.
      if (this.row.startedAt !== null) await this.postSystemMessage(
        `transfer-${crypto.randomUUID()}`,
        t.byStaffId,
        { kind: "system", text: `会话已转接给 ${t.toStaffName}${t.reason ? `：${t.reason}` : ""}` },
      );
      this.broadcastFrame({ type: "conversation", conversation: this.state() });
      this.toStaffRoom(from, { type: "inbox-remove", conversationId: this.row.id, reason: "transfer" }, true);
      this.notifyInbox(true);
      if (hasSocket(this.ctx, { tag: "customer" })) {
        this.tellWatching(from, false);
        this.tellWatching(this.row.staffId, true);
      }
      await this.scheduleTimeout();
      return this.state();
    });
  }

  /**
   * A customer's image or voice WeChat found risky (worker/routes/wechat-push.ts) or would not
   * check: flagged in this room's log and in D1, and shown to staff here.
   */
  async flagMessage(seq: number): Promise<boolean> {
    const message = this.log.flag(seq);
    if (!message) return false;
    this.copy.rewritten();
    this.broadcastFrame({ type: "message", message: toMessage(message) }, { tag: "staff" });
    // A handover not yet made reads the flagged log; one already made, unflagged, is written
    // first, so it cannot land after the flag and undo it. A D1 failure rejects: WeChat then
    // pushes the verdict again, and flagging is idempotent.
    await this.copy.flush(true);
    await flagMessageInD1(this.db, this.row.id, seq);
    return true;
  }

  /** History for the parties (GET /api/conversations/:id/messages), from this room's own log. */
  async history(q: { after?: number; before?: number; limit: number }): Promise<{ messages: Message[]; lastSeq: number }> {
    const rows = q.after !== undefined ? this.log.after(q.after, q.limit) : this.log.before(q.before, q.limit);
    return { messages: rows.map(toMessage), lastSeq: this.row.lastSeq };
  }

  /** Retention: the conversation is deleted, and this room's storage with it. */
  async forget(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }
}
