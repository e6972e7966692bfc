// One actor per identity (`staff:<id>`, `customer:<id>`): which rooms that identity has sockets in.
// The Worker registers every socket upgrade here before it reaches the room (and is refused past
// the identity's socket cap); when the identity's session is revoked (domain/auth/session.ts) this
// actor tells each of those rooms to close the identity's sockets, so nothing has to poll.
//
// Counts are upper bounds (sockets close without telling us); at the cap, or when the list grows
// long, they are recounted from the rooms themselves.
import { DurableObject } from "cloudflare:workers";
import type { IdentityKey } from "../domain/auth/session";
import type { Env } from "../domain/env";
import type { IdentitySockets } from "./identity-sockets";

export const SOCKET_ROOM_CLASSES = ["ConversationRoom", "StaffRoom", "MonitorRoom"] as const;
export type RoomRef = { className: (typeof SOCKET_ROOM_CLASSES)[number]; name: string };
export const isSocketRoom = (className: string): className is RoomRef["className"] => (SOCKET_ROOM_CLASSES as readonly string[]).includes(className);

const ROOMS_KEY = "rooms";
const MIN_VERSION_KEY = "minVersion";

function stubOf(env: Env, ref: RoomRef): IdentitySockets {
  return env[ref.className].getByName(ref.name) as unknown as IdentitySockets;
}

const refKey = (ref: RoomRef) => `${ref.className}/${ref.name}`;
const parseRef = (key: string): RoomRef => {
  const slash = key.indexOf("/");
  return { className: key.slice(0, slash) as RoomRef["className"], name: key.slice(slash + 1) };
};

export class SessionRoom extends DurableObject<Env> {
  /** Rooms by `Class/name`, with the number of sockets admitted there (an upper bound). */
  private rooms?: Map<string, number>;
  private identity?: IdentityKey;
  private recountAt = 64;

  private async load(): Promise<Map<string, number>> {
    this.rooms ??= new Map(Object.entries((await this.ctx.storage.get<Record<string, number>>(ROOMS_KEY)) ?? {}));
    this.identity ??= await this.ctx.storage.get<IdentityKey>("identity");
    return this.rooms;
  }

  private async save() {
    await this.ctx.storage.put(ROOMS_KEY, Object.fromEntries(this.rooms!));
  }

  /** Counts sockets from the rooms themselves and forgets rooms with none. */
  private async recount(identity: IdentityKey, close = false): Promise<number> {
    const rooms = await this.load();
    const counts = await Promise.all(
      [...rooms.keys()].map(async (key) => {
        try {
          return [key, await stubOf(this.env, parseRef(key)).identitySockets(identity, close)] as const;
        } catch (error) {
          console.error("identity sockets failed", key, error);
          return [key, rooms.get(key) ?? 0] as const;
        }
      }),
    );
    let total = 0;
    for (const [key, n] of counts) {
      if (n === 0 || close) rooms.delete(key);
      else rooms.set(key, n);
      total += n;
    }
    await this.save();
    return total;
  }

  /**
   * Registers a socket about to open in `room`; false when the identity already has `cap` open, or
   * when its token's session version was revoked meanwhile (the upgrade read the account before the bump).
   */
  async admit(identity: IdentityKey, room: RoomRef, cap: number | null, version: number): Promise<Admission> {
    const rooms = await this.load();
    if (version < ((await this.ctx.storage.get<number>(MIN_VERSION_KEY)) ?? 0)) return "revoked";
    if (this.identity !== identity) {
      this.identity = identity;
      await this.ctx.storage.put("identity", identity);
    }
    const limit = cap ?? Infinity;
    let total = [...rooms.values()].reduce((a, b) => a + b, 0);
    if (total >= limit || rooms.size > this.recountAt) {
      total = await this.recount(identity);
      // A list that stays long (a staff member in many conversations) is recounted as it doubles, not on every upgrade.
      this.recountAt = Math.max(64, rooms.size * 2);
    }
    if (total >= limit) return "full";
    const key = refKey(room);
    rooms.set(key, (rooms.get(key) ?? 0) + 1);
    await this.save();
    return "admitted";
  }

  /**
   * Closes every socket of the identity now; upgrades still carrying a version below `newVersion`
   * are refused from now on. Returns how many sockets were open.
   */
  async revoke(identity: IdentityKey, newVersion: number): Promise<number> {
    this.identity = identity;
    await this.ctx.storage.put({ identity, [MIN_VERSION_KEY]: newVersion });
    return this.recount(identity, true);
  }
}

const sessionRoom = (env: Env, identity: IdentityKey) => env.SessionRoom.getByName(identity);

/** `revoked`: the token's session was revoked; `full`: the identity is at its socket cap. */
export type Admission = "admitted" | "revoked" | "full";

/** Registers a socket upgrade. Fails open. */
export async function admitSocket(env: Env, identity: IdentityKey, room: RoomRef, cap: number | null, version: number): Promise<Admission> {
  try {
    return await sessionRoom(env, identity).admit(identity, room, cap, version);
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
