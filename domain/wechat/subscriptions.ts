// Subscribe-message credits per customer and template. WeChat grants one send per `accept`
// (and keeps granting silently once the user ticks "always"), so the server counts them.
import { and, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { subscriptions } from "../db/schema";
import type { SubscribeResult, SubscriptionState } from "../../protocol";

export async function recordSubscribeResults(
  db: Db,
  customerId: string,
  results: Record<string, SubscribeResult>,
  now = Date.now(),
): Promise<void> {
  const statements = Object.entries(results).map(([templateId, result]) => {
    // accept adds a send; ban (the user switched the template off) leaves none; reject and filter change nothing.
    const credits =
      result === "accept" ? sql`${subscriptions.credits} + 1` : result === "ban" ? sql`0` : sql`${subscriptions.credits}`;
    return db
      .insert(subscriptions)
      .values({ customerId, templateId, credits: result === "accept" ? 1 : 0, lastResult: result, updatedAt: now })
      .onConflictDoUpdate({
        target: [subscriptions.customerId, subscriptions.templateId],
        set: { credits, lastResult: result, updatedAt: now },
      });
  });
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** The state of each template in `templateIds` first (never asked: no row), then any other template on record. */
export async function subscriptionStates(db: Db, customerId: string, templateIds: string[]): Promise<SubscriptionState[]> {
  const rows = await db.select().from(subscriptions).where(eq(subscriptions.customerId, customerId));
  const byTemplate = new Map(rows.map((r) => [r.templateId, r]));
  const ordered = [...new Set([...templateIds, ...byTemplate.keys()])];
  return ordered.map((templateId) => {
    const row = byTemplate.get(templateId);
    return { templateId, credits: row?.credits ?? 0, lastResult: row?.lastResult ?? null, updatedAt: row?.updatedAt ?? null };
  });
}

const one = (customerId: string, templateId: string) =>
  and(eq(subscriptions.customerId, customerId), eq(subscriptions.templateId, templateId));

/** Takes one credit; false when there is none. Atomic, so two pushes never spend one credit. */
export async function takeCredit(db: Db, customerId: string, templateId: string): Promise<boolean> {
  const taken = await db
    .update(subscriptions)
    .set({ credits: sql`${subscriptions.credits} - 1` })
    .where(and(one(customerId, templateId), gt(subscriptions.credits, 0)))
    .returning({ credits: subscriptions.credits });
  return taken.length > 0;
}

/** Gives back a credit WeChat did not use (the send failed before it counted). */
export async function returnCredit(db: Db, customerId: string, templateId: string): Promise<void> {
  await db.update(subscriptions).set({ credits: sql`${subscriptions.credits} + 1` }).where(one(customerId, templateId));
}

/** WeChat says the customer has no grant left (43101): our count was stale. */
export async function clearCredits(db: Db, customerId: string, templateId: string): Promise<void> {
  await db.update(subscriptions).set({ credits: 0 }).where(one(customerId, templateId));
}
