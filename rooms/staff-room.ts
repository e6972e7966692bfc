// One actor per staff member: presence that tells the truth, and the live inbox feed.
// A staff member is present (with the status they chose: online, busy or offline) only while at
// least one of their inbox sockets is alive. Alive means heard from within HEARTBEAT.deadAfterMs:
// clients ping every HEARTBEAT.intervalMs and the runtime answers (an auto-response that does not
// wake this room, so hibernation is kept). An alarm set for the moment the stalest socket would
// fall silent too long checks again, so a phone that drops off the network without a close frame
// turns its staff member offline within seconds, not at the next cron tick.
import { eq } from "drizzle-orm";
import { type Connection, type ConnectionContext, Server, type WSMessage } from "partyserver";
import { createDb, type Db } from "../domain/db/client";
import { staff } from "../domain/db/schema";
import type { Env } from "../domain/env";
import { HEARTBEAT, parseFrame, type Presence, type ServerFrame, staffClientFrameSchema, type StaffStatus } from "../protocol";
import { answerCodelessClose, type Identity, identityOf, sendFrame } from "./identity";
import { notifyMonitor } from "./monitor-room";
import { identitySockets } from "./identity-sockets";
import { broadcastTo } from "./room-broadcast";

/** `seenAt`: when the room last heard from the socket other than by its heartbeat (connect, frames). */
type SocketState = Identity & { seenAt: number };

/** Storage keys of the conversations whose customer has the chat page open. */
const WATCH_PREFIX = "watch:";
/** Conversation rooms told of a presence change at the same time. */
const PRESENCE_FAN_OUT = 8;

export class StaffRoom extends Server<Env> {
  static override options = { hibernate: true };

  private db!: Db;
  private status: StaffStatus = "online";
  /** As stored in D1: a change is written, and pushed to the monitor and customers, once. */
  private presence: Presence = "offline";

  override async onStart() {
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.ping, HEARTBEAT.pong));
    this.db = createDb(this.env);
    const [row] = await this.db.select({ status: staff.status, presence: staff.presence }).from(staff).where(eq(staff.id, this.name)).limit(1);
    this.status = row?.status ?? "online";
    this.presence = row?.presence ?? "offline";
  }

  override async onConnect(conn: Connection<SocketState>, ctx: ConnectionContext) {
    conn.setState({ ...identityOf(ctx.request), seenAt: Date.now() });
    await this.updatePresence();
    sendFrame(conn, { type: "presence", staffId: this.name, presence: this.presence });
  }

  override async onClose(conn: Connection, code: number) {
    answerCodelessClose(conn, code);
    await this.updatePresence(false, conn.id);
  }

  override async onMessage(conn: Connection<SocketState>, raw: WSMessage) {
    const parsed = parseFrame(staffClientFrameSchema, typeof raw === "string" ? raw : null);
    if (!parsed.ok) {
      sendFrame(conn, { type: "error", code: "bad_frame", message: parsed.message });
      return;
    }
    conn.setState((s) => ({ ...(s as SocketState), seenAt: Date.now() }));
    this.status = parsed.frame.presence;
    await this.db.update(staff).set({ status: this.status }).where(eq(staff.id, this.name));
    await this.updatePresence(true);
  }

  override async onAlarm() {
    await this.updatePresence();
  }

  private lastHeard(conn: Connection<SocketState>): number {
    const pong = this.ctx.getWebSocketAutoResponseTimestamp(conn)?.getTime() ?? 0;
    return Math.max(pong, conn.state?.seenAt ?? 0);
  }

  /** Open sockets heard from recently; silent ones are closed (their peer is gone or frozen). */
  private liveSockets(now: number, closing?: string): number[] {
    const heard: number[] = [];
    for (const conn of this.getConnections<SocketState>()) {
      if (conn.id === closing) continue;
      const at = this.lastHeard(conn);
      if (now - at < HEARTBEAT.deadAfterMs) heard.push(at);
      else {
        try {
          conn.close(4408, "heartbeat timeout");
        } catch {
          // Already gone.
        }
      }
    }
    return heard;
  }

  /** `closing`: the socket whose close is being handled, which may still be listed as open. */
  private async updatePresence(force = false, closing?: string) {
    const now = Date.now();
    const heard = this.liveSockets(now, closing);
    // Checks again when the stalest live socket would fall silent too long (nothing to watch: no alarm).
    if (heard.length > 0) await this.ctx.storage.setAlarm(Math.min(...heard) + HEARTBEAT.deadAfterMs);
    else await this.ctx.storage.deleteAlarm();
    const next: Presence = heard.length > 0 ? this.status : "offline";
    if (next === this.presence && !force) return;
    const changed = next !== this.presence;
    this.presence = next;
    await this.db.update(staff).set({ presence: next }).where(eq(staff.id, this.name));
    const frame: ServerFrame = { type: "presence", staffId: this.name, presence: next };
    broadcastTo(this.ctx, JSON.stringify(frame));
    this.notifyMonitor();
    // One fan-out after another, so no room is left with an older presence.
    if (changed) this.ctx.waitUntil((this.customersTold = this.customersTold.then(() => this.tellCustomers(frame))));
  }

  private customersTold: Promise<void> = Promise.resolve();

  /**
   * The staff card on the page of every customer this staff member serves shows the change: the
   * rooms whose customer has the page open (`watching`), a few at a time. Waking every open
   * conversation's room instead woke thousands at once when staff signed in together, and each
   * awake room holds its SQLite files open (10,000 customers ran out of file descriptors).
   */
  private async tellCustomers(frame: Extract<ServerFrame, { type: "presence" }>) {
    try {
      const ids = [...this.ctx.storage.kv.list({ prefix: WATCH_PREFIX })].map(([key]) => key.slice(WATCH_PREFIX.length));
      const next = ids.values();
      const worker = async () => {
        for (const id of next) {
          const open = await this.env.ConversationRoom.getByName(id)
            .staffPresence(frame)
            .catch((error) => console.error("presence to a customer failed", error));
          // The page closed without the room noticing (say, the room restarted meanwhile).
          if (open === false) this.ctx.storage.kv.delete(WATCH_PREFIX + id);
        }
      };
      await Promise.all(Array.from({ length: Math.min(PRESENCE_FAN_OUT, ids.length) }, worker));
    } catch (error) {
      console.error("presence to customers failed", error);
    }
  }

  private monitorChain: Promise<void> = Promise.resolve();
  private monitorQueued = false;

  /**
   * The monitor re-reads this staff member from D1 on each notification, so changes that arrive
   * while one waits to go out join it: a room waking to a burst of conversations sends a few, not one per conversation.
   */
  private notifyMonitor() {
    if (this.monitorQueued) return;
    this.monitorQueued = true;
    this.monitorChain = this.monitorChain.then(() => {
      this.monitorQueued = false;
      return notifyMonitor(this.env, this.name);
    });
    this.ctx.waitUntil(this.monitorChain);
  }

  // ---------- RPC from conversation rooms and the Worker ----------

  /** A conversation room: its customer opened the chat page (true) or closed its last socket there (false). */
  async watching(conversationId: string, open: boolean): Promise<void> {
    if (open) this.ctx.storage.kv.put(WATCH_PREFIX + conversationId, true);
    else this.ctx.storage.kv.delete(WATCH_PREFIX + conversationId);
  }

  /**
   * Pushes an inbox frame (a ServerFrame, as JSON) to every open socket of this staff member;
   * `loadChanged` (a conversation opened, ended or moved) refreshes the live monitor. Needs nothing
   * from onStart: conversation rooms call it on a plain stub.
   */
  async deliver(frame: string, loadChanged = false): Promise<void> {
    broadcastTo(this.ctx, frame);
    if (loadChanged) this.notifyMonitor();
  }

  /**
   * Presence from the sockets alive now, written back to D1. After a crash the stored presence can
   * outlive the sockets it stood for; the cron asks every staff member shown as present.
   */
  async reconcilePresence(): Promise<Presence> {
    await this.updatePresence(true);
    return this.presence;
  }

  /** SessionRoom: counts (or closes, when the session was revoked) the sockets here, all this staff member's. */
  async identitySockets(_tag: string, close: boolean): Promise<number> {
    return identitySockets(this, null, close);
  }
}
