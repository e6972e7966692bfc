// D1 reads and writes of one conversation row, used by its room (its messages live in the room: message-log.ts, d1-copy.ts).
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../domain/db/client";
import type { ConversationRow } from "../domain/db/mappers";
import { conversations, transfers, users } from "../domain/db/schema";

/** The conversation and its customer, in one query (a room runs this each time it wakes). */
export async function loadConversation(db: Db, id: string) {
  const [found] = await db
    .select({ row: conversations, nickname: users.nickname, avatar: users.avatar, openid: users.openid })
    .from(conversations)
    .leftJoin(users, eq(users.id, conversations.customerId))
    .where(eq(conversations.id, id))
    .limit(1);
  if (!found) return null;
  const { row, openid, nickname, avatar } = found;
  return { row, customer: openid === null ? null : { nickname, avatar, openid } };
}

export async function endConversation(db: Db, id: string, reason: string, at: number): Promise<ConversationRow | null> {
  const [row] = await db
    .update(conversations)
    .set({ status: "ended", endedAt: at, endReason: reason })
    .where(and(eq(conversations.id, id), sql`${conversations.status} != 'ended'`))
    .returning();
  return row ?? null;
}

/** How the new staff member got the conversation: a colleague's transfer, or the customer scanning their code. */
export type TransferSource = "transfer" | "qr";

export async function recordTransfer(
  db: Db,
  t: { conversationId: string; fromStaffId: string; toStaffId: string; byStaffId: string; reason?: string; source?: TransferSource; at: number },
): Promise<ConversationRow> {
  const [, [row]] = await db.batch([
    db.insert(transfers).values({
      id: crypto.randomUUID(),
      conversationId: t.conversationId,
      fromStaffId: t.fromStaffId,
      toStaffId: t.toStaffId,
      byStaffId: t.byStaffId,
      reason: t.reason ?? null,
      createdAt: t.at,
    }),
    db
      .update(conversations)
      .set({ staffId: t.toStaffId, source: t.source ?? "transfer" })
      .where(eq(conversations.id, t.conversationId))
      .returning(),
  ]);
  return row as ConversationRow;
}
