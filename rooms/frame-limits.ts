// Limits on the frames of a conversation room, counted per identity (all its sockets together),
// not per socket: `send`, `sync` (frames, and bytes answered) and `typing`. Buckets: domain/rate-limit.ts.
import type { Connection } from "partyserver";
import { FrameLimiter, RATE_LIMITED_MESSAGE } from "../domain/rate-limit";
import type { Env } from "../domain/env";
import { type Identity, sendFrame } from "./identity";
import { identityTag } from "./identity-sockets";

export class IdentityFrameLimits {
  private readonly buckets = new FrameLimiter();

  constructor(private readonly env: Env) {}

  send(who: Identity): boolean {
    return this.buckets.take(this.env.RATE_LIMITS, "send_identity", identityTag(who)).allowed;
  }

  /** Typing frames over the limit are dropped quietly: they only animate the other side. */
  typing(who: Identity): boolean {
    return this.buckets.take(this.env.RATE_LIMITS, "typing_identity", identityTag(who)).allowed;
  }

  /**
   * A socket to answer a `sync` on that counts the bytes it sends, or null (with an error frame
   * sent) when the identity synced too often or pulled too many bytes lately.
   */
  sync(conn: Connection, who: Identity): { send(data: string): void } | null {
    const tag = identityTag(who);
    const spec = this.env.RATE_LIMITS;
    if (!this.buckets.take(spec, "sync_identity", tag).allowed || !this.buckets.hasBytes(spec, tag)) {
      sendFrame(conn, { type: "error", code: "rate_limited", message: RATE_LIMITED_MESSAGE });
      return null;
    }
    return {
      send: (data: string) => {
        this.buckets.spendBytes(spec, tag, data.length);
        conn.send(data);
      },
    };
  }
}
