// One actor per staff member: presence (online while any of their sockets is connected,
// plus the busy/online status they choose) and the live inbox feed.
import { eq } from "drizzle-orm";
import { type Connection, type ConnectionContext, Server, type WSMessage } from "partyserver";
import { createDb, type Db } from "../domain/db/client";
import { staff } from "../domain/db/schema";
import type { Env } from "../domain/env";
import { parseFrame, type Presence, type ServerFrame, staffClientFrameSchema } from "../protocol";
import { type Identity, identityOf, sendFrame } from "./identity";
import { notifyMonitor } from "./monitor-room";
import { identitySockets } from "./identity-sockets";

export class StaffRoom extends Server<Env> {
  static override options = { hibernate: true };

  private db!: Db;
  private status: "online" | "busy" = "online";
  private presence: Presence = "offline";

  override async onStart() {
    this.db = createDb(this.env);
    const [row] = await this.db.select({ status: staff.status }).from(staff).where(eq(staff.id, this.name)).limit(1);
    this.status = row?.status ?? "online";
    this.presence = [...this.getConnections()].length > 0 ? this.status : "offline";
  }

  override async onConnect(conn: Connection<Identity>, ctx: ConnectionContext) {
    conn.setState(identityOf(ctx.request));
    await this.updatePresence();
    sendFrame(conn, { type: "presence", staffId: this.name, presence: this.presence });
  }

  override async onClose() {
    await this.updatePresence();
  }

  override async onMessage(conn: Connection<Identity>, raw: WSMessage) {
    const parsed = parseFrame(staffClientFrameSchema, typeof raw === "string" ? raw : null);
    if (!parsed.ok) {
      sendFrame(conn, { type: "error", code: "bad_frame", message: parsed.message });
      return;
    }
    this.status = parsed.frame.presence;
    await this.db.update(staff).set({ status: this.status }).where(eq(staff.id, this.name));
    await this.updatePresence(true);
  }

  private async updatePresence(force = false) {
    // onClose runs while the closing socket may still be listed; count only open ones.
    const open = [...this.getConnections()].filter((c) => c.readyState === WebSocket.OPEN).length;
    const next: Presence = open > 0 ? this.status : "offline";
    if (next === this.presence && !force) return;
    this.presence = next;
    await this.db.update(staff).set({ presence: next }).where(eq(staff.id, this.name));
    this.broadcast(JSON.stringify({ type: "presence", staffId: this.name, presence: next } satisfies ServerFrame));
    this.notifyMonitor();
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

  /**
   * Pushes an inbox frame to every open socket of this staff member; `loadChanged` (a conversation
   * opened, ended or moved) refreshes the live monitor. Needs nothing from onStart: conversation
   * rooms call it on a plain stub.
   */
  async deliver(frame: ServerFrame, loadChanged = false): Promise<void> {
    this.broadcast(JSON.stringify(frame));
    if (loadChanged) this.notifyMonitor();
  }

  /**
   * Presence from the sockets open now, written back to D1. After a crash the stored presence can
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
