// Which rooms each identity (`staff:<id>`, `customer:<id>`) has sockets in. The Worker registers
// every socket upgrade here before it reaches the room (and is refused past the identity's socket
// cap or upgrade rate); when the identity's session is revoked (domain/auth/session.ts), the
// identity's rooms are told to close its sockets, so nothing has to poll.
//
// Identities are spread over SESSION_SHARDS actors by a hash, not one actor each: a burst of
// first-time customers would otherwise create an actor, with its SQLite files, per customer, and
// that doubled the cost of opening a conversation's first socket.
//
// Counts are upper bounds (sockets close without telling us); at the cap, or when the list grows
// long, they are recounted from the rooms themselves.
import { DurableObject } from "cloudflare:workers";
import type { IdentityKey } from "../domain/auth/session";
import type { Env } from "../domain/env";
import { BucketMap, type SocketLimits } from "../domain/rate-limit";
import { shardOf } from "../domain/shard";
import type { IdentitySockets } from "./identity-sockets";

export const SOCKET_ROOM_CLASSES = ["ConversationRoom", "StaffRoom", "MonitorRoom"] as const;
export type RoomRef = { className: (typeof SOCKET_ROOM_CLASSES)[number]; name: string };
export const isSocketRoom = (className: string): className is RoomRef["className"] => (SOCKET_ROOM_CLASSES as readonly string[]).includes(className);

const SESSION_SHARDS = 64;
/** A list of rooms longer than this is recounted before the next admission. */
const RECOUNT_AT = 64;

function stubOf(env: Env, ref: RoomRef): IdentitySockets {
  return env[ref.className].getByName(ref.name) as unknown as IdentitySockets;
}

const refKey = (ref: RoomRef) => `${ref.className}/${ref.name}`;
const parseRef = (key: string): RoomRef => {
  const slash = key.indexOf("/");
  return { className: key.slice(0, slash) as RoomRef["className"], name: key.slice(slash + 1) };
};

/** One identity's record, stored under its key. */
type Sessions = {
  /** Rooms by `Class/name`, with the number of sockets admitted there (an upper bound). */
  rooms: Record<string, number>;
  /** Upgrades carrying a lower session version are refused. */
  minVersion?: number;
  /** A list that stays long (a staff member in many conversations) is recounted as it doubles, not on every upgrade. */
  recountAt?: number;
};

const total = (s: Sessions) => Object.values(s.rooms).reduce((a, b) => a + b, 0);

export class SessionRoom extends DurableObject<Env> {
  /** Upgrades per identity (socket_token), in memory as the Worker's other buckets are (rooms/rate-limiter.ts). */
  private readonly upgrades = new BucketMap();

  private read(identity: IdentityKey): Sessions {
    return this.ctx.storage.kv.get<Sessions>(identity) ?? { rooms: {} };
  }

  private write(identity: IdentityKey, s: Sessions) {
    if (Object.keys(s.rooms).length === 0 && s.minVersion === undefined) this.ctx.storage.kv.delete(identity);
    else this.ctx.storage.kv.put(identity, s);
  }

  /**
   * Counts (or closes) the identity's sockets in the rooms themselves and forgets rooms with none.
   * `open`: the sockets counted (a room that did not answer counts as stored).
   */
  private async recount(identity: IdentityKey, close = false): Promise<{ sessions: Sessions; open: number }> {
    const listed = this.read(identity).rooms;
    const counts = await Promise.all(
      Object.keys(listed).map(async (key) => {
        try {
          return [key, await stubOf(this.env, parseRef(key)).identitySockets(identity, close)] as const;
        } catch (error) {
          console.error("identity sockets failed", key, error);
          return [key, null] as const;
        }
      }),
    );
    // Read again: upgrades of this identity admitted while the rooms answered are kept.
    const sessions = this.read(identity);
    let open = 0;
    for (const [key, n] of counts) {
      open += n ?? listed[key] ?? 0;
      if (n === null) continue;
      if (n === 0 || close) delete sessions.rooms[key];
      else sessions.rooms[key] = n;
    }
    return { sessions, open };
  }

  /**
   * Registers a socket about to open in `room`, unless the identity's token's session version was
   * revoked meanwhile (the upgrade read the account before the bump), it upgrades too often, or it
   * already holds its cap of sockets open.
   */
  async admit(identity: IdentityKey, room: RoomRef, limits: SocketLimits, version: number): Promise<Admission> {
    let s = this.read(identity);
    if (version < (s.minVersion ?? 0)) return "revoked";
    if (limits.upgrades) {
      const verdict = this.upgrades.take(identity, limits.upgrades);
      if (!verdict.allowed) return { retryAfterMs: verdict.retryAfterMs };
    }
    const limit = limits.cap ?? Infinity;
    if (total(s) >= limit || Object.keys(s.rooms).length > (s.recountAt ?? RECOUNT_AT)) {
      s = (await this.recount(identity)).sessions;
      s.recountAt = Math.max(RECOUNT_AT, Object.keys(s.rooms).length * 2);
      if (version < (s.minVersion ?? 0)) return "revoked";
      if (total(s) >= limit) {
        this.write(identity, s);
        return "full";
      }
    }
    const key = refKey(room);
    s.rooms[key] = (s.rooms[key] ?? 0) + 1;
    this.write(identity, s);
    return "admitted";
  }

  /**
   * Closes every socket of the identity now; upgrades still carrying a version below `newVersion`
   * are refused from now on. Returns how many sockets were open.
   */
  async revoke(identity: IdentityKey, newVersion: number): Promise<number> {
    const before = this.read(identity);
    this.write(identity, { ...before, minVersion: Math.max(newVersion, before.minVersion ?? 0) });
    const { sessions, open } = await this.recount(identity, true);
    this.write(identity, sessions);
    return open;
  }
}

const sessionRoom = (env: Env, identity: IdentityKey) => env.SessionRoom.getByName(shardOf(identity, SESSION_SHARDS));

/** `revoked`: the token's session was revoked; `full`: the identity is at its socket cap; `retryAfterMs`: it upgrades too often. */
export type Admission = "admitted" | "revoked" | "full" | { retryAfterMs: number };

/** Registers a socket upgrade. Fails open. */
export async function admitSocket(env: Env, identity: IdentityKey, room: RoomRef, limits: SocketLimits, version: number): Promise<Admission> {
  try {
    return await sessionRoom(env, identity).admit(identity, room, limits, version);
  } catch (error) {
    console.error("session room unavailable", error);
    return "admitted";
  }
}

/** Closes the open sockets of these identities, whose session versions were just raised. */
export async function closeSessions(env: Env, revoked: { identity: IdentityKey; version: number }[]): Promise<number> {
  const closed = await Promise.all(revoked.map(({ identity, version }) => sessionRoom(env, identity).revoke(identity, version)));
  return closed.reduce((a, b) => a + b, 0);
}
