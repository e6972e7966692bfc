import { eq } from "drizzle-orm";
import type { Db } from "./db/client";
import { users } from "./db/schema";

export type UserRow = typeof users.$inferSelect;

/** Finds the customer by openid, creating them on first login; refreshes last-active time. */
export async function upsertCustomer(db: Db, openid: string, unionid: string | null, now = Date.now()): Promise<UserRow> {
  const id = `u_${crypto.randomUUID().replace(/-/g, "").slice(0, 20)}`;
  const [row] = await db
    .insert(users)
    .values({ id, openid, unionid, nickname: `微信用户${id.slice(-4)}`, createdAt: now, lastActiveAt: now })
    .onConflictDoUpdate({ target: users.openid, set: { lastActiveAt: now, unionid: unionid ?? undefined } })
    .returning();
  return row;
}

/** The customer key of an official-account (H5 web authorization) openid; mini program openids are bare. */
export const officialAccountKey = (openid: string) => `oa:${openid}`;

/**
 * Signs in a WeChat customer by `key` (a mini program openid, or an official-account openid as
 * `oa:<openid>`). With a unionid, a customer already known by it through the other side is the
 * same customer; the mini program openid wins the row's `openid`, since only it can receive
 * pushes and content checks.
 */
export async function signInWechatCustomer(db: Db, key: string, unionid: string | null, now = Date.now()): Promise<UserRow> {
  const [byKey] = await db.select().from(users).where(eq(users.openid, key)).limit(1);
  if (!byKey && unionid) {
    const [byUnion] = await db.select().from(users).where(eq(users.unionid, unionid)).limit(1);
    if (byUnion) {
      const miniprogramKey = !key.startsWith("oa:") && byUnion.openid.startsWith("oa:");
      const [row] = await db
        .update(users)
        .set({ lastActiveAt: now, ...(miniprogramKey ? { openid: key } : {}) })
        .where(eq(users.id, byUnion.id))
        .returning();
      return row;
    }
  }
  return upsertCustomer(db, key, unionid, now);
}

export async function customerById(db: Db, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return row;
}

/** The customer's openid (a `guest:` id for H5 guests), undefined when there is no such customer. */
export async function customerOpenid(db: Db, customerId: string): Promise<string | undefined> {
  const [row] = await db.select({ openid: users.openid }).from(users).where(eq(users.id, customerId)).limit(1);
  return row?.openid;
}
