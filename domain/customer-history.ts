// A customer's earlier conversations, shown above the current one (newest first, paged back in time).
import { and, desc, eq, isNotNull, lt } from "drizzle-orm";
import type { Db } from "./db/client";
import type { ConversationRow } from "./db/mappers";
import { conversations } from "./db/schema";
import type { EarlierPage } from "../protocol";
import type { HistoryReader } from "./room-history";

/** The customer's started conversation opened last before `createdAt`. */
async function startedBefore(db: Db, customerId: string, createdAt: number): Promise<ConversationRow | undefined> {
  const [row] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.customerId, customerId), isNotNull(conversations.startedAt), lt(conversations.createdAt, createdAt)))
    .orderBy(desc(conversations.createdAt))
    .limit(1);
  return row;
}

const cursorOf = (row: ConversationRow, beforeSeq: number) => `${row.id}:${beforeSeq}`;

/**
 * One page of messages before `before` (`conversationId:seq`, from the previous page's `next`),
 * within the earlier conversations of `current`'s customer; `next` is null when nothing is older.
 */
export async function earlierPage(db: Db, history: HistoryReader, current: ConversationRow, q: { before?: string; limit: number }): Promise<EarlierPage> {
  let conversation: ConversationRow | undefined;
  let beforeSeq: number;
  if (q.before) {
    const [id, seq] = q.before.split(":");
    const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
    // Only the same customer's conversations older than the current one.
    if (!row || row.customerId !== current.customerId || row.createdAt >= current.createdAt || row.startedAt === null) return { messages: [], next: null };
    conversation = row;
    beforeSeq = Number(seq);
  } else {
    conversation = await startedBefore(db, current.customerId, current.createdAt);
    beforeSeq = (conversation?.lastSeq ?? 0) + 1;
  }
  if (!conversation) return { messages: [], next: null };
  // From the room, which keeps the history past the D1 copy window.
  const rows = (await history(conversation.id, { before: beforeSeq, limit: q.limit })).messages;
  const oldest = rows[0]?.seq ?? 1;
  if (rows.length === q.limit && oldest > 1) return { messages: rows, next: cursorOf(conversation, oldest) };
  const previous = await startedBefore(db, current.customerId, conversation.createdAt);
  return { messages: rows, next: previous ? cursorOf(previous, previous.lastSeq + 1) : null };
}
