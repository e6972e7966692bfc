// Push arrival rate: of the staff replies that should have reached an absent customer as a
// subscribe message, how many WeChat accepted, and why the rest did not.
import { and, count, gte, lt } from "drizzle-orm";
import type { Db } from "./db/client";
import { pushes } from "./db/schema";
import type { PushArrival } from "../protocol";

export async function pushArrival(db: Db, range: { from: number; to: number }): Promise<PushArrival> {
  const rows = await db
    .select({ status: pushes.status, errcode: pushes.errcode, n: count() })
    .from(pushes)
    .where(and(gte(pushes.createdAt, range.from), lt(pushes.createdAt, range.to)))
    .groupBy(pushes.status, pushes.errcode);
  const result: PushArrival = { ...range, attempted: 0, sent: 0, rate: null, noCredit: 0, rateLimited: 0, pending: 0, wechatErrors: {} };
  for (const r of rows) {
    result.attempted += r.n;
    if (r.status === "sent") result.sent += r.n;
    else if (r.status === "no_credit") result.noCredit += r.n;
    else if (r.status === "rate_limited") result.rateLimited += r.n;
    else if (r.status === "pending") result.pending += r.n;
    else {
      // failed: WeChat's errcode, or "unreachable" when the call never got an answer.
      const key = r.errcode === null ? "unreachable" : String(r.errcode);
      result.wechatErrors[key] = (result.wechatErrors[key] ?? 0) + r.n;
    }
  }
  result.rate = result.attempted ? result.sent / result.attempted : null;
  return result;
}
