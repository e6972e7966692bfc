// The live online monitor: one actor ("main") that supervisors' and admins' consoles connect to.
// StaffRoom actors tell it when a staff member's presence or load may have changed; it re-reads
// that staff member from D1 and pushes the entry to every console. Nothing polls.
import { type Connection, type ConnectionContext, Server } from "partyserver";
import { createDb, type Db } from "../domain/db/client";
import type { Env } from "../domain/env";
import { monitorEntryOf, monitorSnapshot } from "../domain/monitor";
import type { MonitorEntry, MonitorFrame } from "../protocol";
import { answerCodelessClose, identityOf } from "./identity";
import { identitySockets, identityTag } from "./identity-sockets";

export const MONITOR_ROOM = "main";

export class MonitorRoom extends Server<Env> {
  static override options = { hibernate: true };

  private dbOnce?: Db;
  /** Not from onStart: staffChanged arrives by RPC on a stub that skips partyserver's start. */
  private get db(): Db {
    this.dbOnce ??= createDb(this.env);
    return this.dbOnce;
  }
  /** Last entry pushed per staff member, so repeated notifications of the same state stay quiet. */
  private sent = new Map<string, string>();

  override async onConnect(conn: Connection) {
    const staff = await monitorSnapshot(this.db);
    for (const entry of staff) this.sent.set(entry.staffId, JSON.stringify(entry));
    send(conn, { type: "monitor", staff });
  }

  override onClose(conn: Connection, code: number) {
    answerCodelessClose(conn, code);
  }

  override getConnectionTags(_conn: Connection, ctx: ConnectionContext): string[] {
    return [identityTag(identityOf(ctx.request))];
  }

  /** RPC (SessionRoom): counts (or closes, when the session was revoked) a console's sockets. */
  async identitySockets(tag: string, close: boolean): Promise<number> {
    return identitySockets(this, tag, close);
  }

  /** RPC: the staff member's presence or load may have changed (or the account was edited). */
  async staffChanged(staffId: string): Promise<MonitorEntry | null> {
    // No console open: nothing to push, and a console that connects reads a fresh snapshot.
    if (this.ctx.getWebSockets().length === 0) {
      this.sent.clear();
      return null;
    }
    const entry = await monitorEntryOf(this.db, staffId);
    if (!entry) {
      // Disabled or removed: consoles drop it with a fresh snapshot.
      this.sent.delete(staffId);
      this.broadcastFrame({ type: "monitor", staff: await monitorSnapshot(this.db) });
      return null;
    }
    const text = JSON.stringify(entry);
    if (this.sent.get(staffId) === text) return entry;
    this.sent.set(staffId, text);
    this.broadcastFrame({ type: "monitor-update", entry });
    return entry;
  }

  private broadcastFrame(frame: MonitorFrame) {
    this.broadcast(JSON.stringify(frame));
  }
}

function send(conn: Connection, frame: MonitorFrame) {
  try {
    conn.send(JSON.stringify(frame));
  } catch {
    // Closed meanwhile; the console gets a snapshot when it reconnects.
  }
}

/** Tells the monitor that a staff member changed; failures only cost a stale row until the next change. */
export async function notifyMonitor(env: Env, staffId: string): Promise<void> {
  try {
    await env.MonitorRoom.getByName(MONITOR_ROOM).staffChanged(staffId);
  } catch (error) {
    console.error("monitor notify failed", error);
  }
}
