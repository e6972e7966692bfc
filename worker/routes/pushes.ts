// Push records: staff see a conversation's pushes and retry a failed one by hand;
// the customer's tap on a push (its page carries the push id) marks it clicked.
import { and, desc, eq, sql } from "drizzle-orm";
import { conversationFor } from "../../domain/access";
import type { Db } from "../../domain/db/client";
import { pushes } from "../../domain/db/schema";
import { router } from "../http/app";
import { anyStaff, principal, requireRole } from "../http/auth";
import { notFound } from "../../domain/errors";
import type { PushRecord } from "../../protocol";
import { type PushRow, retryPush } from "../../domain/push";

export function toPushRecord(row: PushRow, retried: boolean): PushRecord {
  return {
    id: row.id,
    conversationId: row.conversationId,
    customerId: row.customerId,
    staffId: row.staffId,
    messageSeq: row.messageSeq,
    templateId: row.templateId,
    status: row.status,
    errcode: row.errcode,
    summary: row.summary,
    page: row.page,
    retryOf: row.retryOf,
    retryable: row.status === "failed" && row.retryOf === null && !retried,
    createdAt: row.createdAt,
    sentAt: row.sentAt,
    clickedAt: row.clickedAt,
  };
}

async function pushById(db: Db, id: string): Promise<PushRow> {
  const [row] = await db.select().from(pushes).where(eq(pushes.id, id)).limit(1);
  if (!row) throw notFound("推送记录不存在");
  return row;
}

/** Mounted at /api/pushes. */
export const pushRoutes = router()
  .post("/:id/retry", anyStaff(), async (c) => {
    const db = c.get("db");
    const original = await pushById(db, c.req.param("id"));
    await conversationFor(db, principal(c), original.conversationId);
    return c.json(toPushRecord(await retryPush(c.env, db, original), false), 201);
  })
  .post("/:id/click", requireRole("customer"), async (c) => {
    const db = c.get("db");
    const [row] = await db
      .update(pushes)
      .set({ clickedAt: sql`coalesce(${pushes.clickedAt}, ${Date.now()})` })
      .where(and(eq(pushes.id, c.req.param("id")), eq(pushes.customerId, principal(c).sub)))
      .returning();
    if (!row) throw notFound("推送记录不存在");
    return c.json({ id: row.id, conversationId: row.conversationId, clickedAt: row.clickedAt });
  });

/** Mounted at /api/conversations: GET /:id/pushes, newest first. */
export const conversationPushRoutes = router().get("/:id/pushes", anyStaff(), async (c) => {
  const db = c.get("db");
  const conversation = await conversationFor(db, principal(c), c.req.param("id"));
  const rows = await db
    .select()
    .from(pushes)
    .where(eq(pushes.conversationId, conversation.id))
    .orderBy(desc(pushes.createdAt))
    .limit(200);
  const retried = new Set(rows.map((r) => r.retryOf).filter((id): id is string => id !== null));
  return c.json({ pushes: rows.map((r) => toPushRecord(r, retried.has(r.id))) });
});
