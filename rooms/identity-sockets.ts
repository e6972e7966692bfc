// What a room does when the session of an identity ends: count or close that identity's sockets.
// Rooms tag each socket with its identity (`staff:<id>`, `customer:<id>`, see domain/auth/session.ts).
import type { Connection } from "partyserver";
import { SESSION_REVOKED } from "../protocol";
import { sendFrame } from "./identity";

/** Close code of a socket whose session was revoked: the client must sign in again. */
export const REVOKED_CLOSE_CODE = 4401;

/** What rooms answer to SessionRoom (an RPC each room class exposes as `identitySockets`). */
export type IdentitySockets = { identitySockets(tag: string, close: boolean): Promise<number> };

/** Counts the open sockets tagged `tag`, closing them when `close` is set. `tag` null: every socket of the room. */
export function identitySockets(room: { getConnections(tag?: string): Iterable<Connection> }, tag: string | null, close: boolean): number {
  let count = 0;
  for (const conn of room.getConnections(tag ?? undefined)) {
    if (conn.readyState !== WebSocket.OPEN && conn.readyState !== WebSocket.CONNECTING) continue;
    count++;
    if (!close) continue;
    sendFrame(conn, { type: "error", code: SESSION_REVOKED, message: "登录已失效，请重新登录" });
    conn.close(REVOKED_CLOSE_CODE, "session revoked");
  }
  return count;
}

/** The tag of an identity's sockets, as rooms set it in getConnectionTags. */
export const identityTag = (who: { party: "customer" | "staff"; id: string }) => `${who.party}:${who.id}`;
