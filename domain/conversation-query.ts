// The admin's conversation search (F012), shared by the result list and the export stream.
import { and, asc, desc, eq, gte, isNotNull, lt, ne, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { containsText } from "./text-search";
import { toInboxItem } from "./db/mappers";
import { conversations, messages, staff, users } from "./db/schema";
import type { AdminConversation, ConversationSearch } from "../protocol";

/** 待回复: open, and the customer's last message has no staff reply after it (system notes do not count). */
export function awaitingReplyAfter(sender: "customer" | "staff" | "system", before: boolean): boolean {
  return sender === "system" ? before : sender === "customer";
}
export const awaitingReplyWhere = (): SQL => and(eq(conversations.awaitingReply, true), ne(conversations.status, "ended"))!;

export function searchWhere(q: Omit<ConversationSearch, "limit" | "offset">): SQL | undefined {
  return and(
    isNotNull(conversations.startedAt),
    q.from !== undefined ? gte(conversations.startedAt, q.from) : undefined,
    q.to !== undefined ? lt(conversations.startedAt, q.to) : undefined,
    q.staffId ? eq(conversations.staffId, q.staffId) : undefined,
    q.status ? eq(conversations.status, q.status) : undefined,
    q.awaiting ? awaitingReplyWhere() : undefined,
    q.customer
      ? or(eq(conversations.customerId, q.customer), containsText(users.nickname, q.customer), containsText(users.phone, q.customer))
      : undefined,
    // D1 has message copies only within the copy window: older conversations do not match.
    q.keyword
      ? sql`EXISTS (SELECT 1 FROM ${messages} WHERE ${messages.conversationId} = ${conversations.id} AND ${containsText(messages.text, q.keyword)})`
      : undefined,
  );
}

const columns = {
  conversation: conversations,
  nickname: users.nickname,
  avatar: users.avatar,
  phone: users.phone,
  staffName: staff.name,
};

type Joined = { conversation: typeof conversations.$inferSelect; nickname: string | null; avatar: string | null; phone: string | null; staffName: string | null };

export function toAdminConversation(r: Joined): AdminConversation {
  const c = r.conversation;
  return {
    ...toInboxItem(c, r),
    customerPhone: r.phone,
    staffName: r.staffName,
    startedAt: c.startedAt,
    endedAt: c.endedAt,
    endReason: c.endReason,
    rating: c.rating,
    ratingComment: c.ratingComment,
    resolved: c.resolved,
    converted: c.converted,
    messageCount: c.lastSeq,
  };
}

/** One page of matching conversations, newest first. */
export async function searchConversations(db: Db, q: ConversationSearch): Promise<AdminConversation[]> {
  const rows = await db
    .select(columns)
    .from(conversations)
    .leftJoin(users, eq(users.id, conversations.customerId))
    .leftJoin(staff, eq(staff.id, conversations.staffId))
    .where(searchWhere(q))
    .orderBy(desc(conversations.startedAt), asc(conversations.id))
    .limit(q.limit)
    .offset(q.offset);
  return rows.map(toAdminConversation);
}

export async function countConversations(db: Db, q: Omit<ConversationSearch, "limit" | "offset">): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)` })
    .from(conversations)
    .leftJoin(users, eq(users.id, conversations.customerId))
    .where(searchWhere(q));
  return Number(row?.n ?? 0);
}
