// D1 reads and writes of one conversation, used by its room (the only writer of its messages).
import { and, asc, eq, gt, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "../domain/db/client";
import type { ConversationRow, MessageRow } from "../domain/db/mappers";
import { conversations, messages, transfers, users } from "../domain/db/schema";
import { type MessageContent, previewOf } from "../protocol";
import { awaitingReplyAfter } from "../domain/conversation-query";

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

export async function findByClientId(db: Db, conversationId: string, clientId: string): Promise<MessageRow | undefined> {
  const [row] = await db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.clientId, clientId)))
    .limit(1);
  return row;
}

export type NewMessage = {
  conversationId: string;
  seq: number;
  clientId: string;
  senderType: "customer" | "staff" | "system";
  senderId: string;
  content: MessageContent | { kind: "system"; text: string };
  flagged: boolean;
  sentAt: number;
};

/**
 * Inserts the message and updates the conversation in one D1 batch (one transaction).
 * Returns the stored row and the updated conversation, or null when (conversation, clientId) already exists.
 * Both rows are known here (only the conversation's room writes these fields), so this runs for
 * every message without reading rows back.
 */
export async function insertMessage(
  db: Db,
  m: NewMessage,
  current: ConversationRow,
): Promise<{ message: MessageRow; conversation: ConversationRow } | null> {
  const c = m.content;
  const message: MessageRow = {
    conversationId: m.conversationId,
    seq: m.seq,
    clientId: m.clientId,
    senderType: m.senderType,
    senderId: m.senderId,
    kind: c.kind,
    text: "text" in c ? c.text : null,
    mediaKey: "mediaKey" in c ? c.mediaKey : null,
    durationMs: "durationMs" in c ? c.durationMs : null,
    flagged: m.flagged,
    sentAt: m.sentAt,
    readAt: null,
  };
  const fromCustomer = m.senderType === "customer" ? 1 : 0;
  const fromStaff = m.senderType === "staff" ? 1 : 0;
  const conversation: ConversationRow = {
    ...current,
    lastSeq: m.seq,
    lastMessageAt: m.sentAt,
    // Inbox previews show what people wrote, not transfer notes or auto replies.
    lastMessagePreview: m.senderType === "system" ? current.lastMessagePreview : previewOf({ kind: c.kind, text: message.text }).slice(0, 100),
    startedAt: current.startedAt ?? m.sentAt,
    status: fromStaff && current.status === "pending" ? "active" : current.status,
    unreadStaff: current.unreadStaff + fromCustomer,
    unreadCustomer: current.unreadCustomer + fromStaff,
    awaitingReply: awaitingReplyAfter(m.senderType, current.awaitingReply ?? false),
  };
  const { readAt: _, ...values } = message;
  const inserted = db
    .insert(messages)
    .values(values)
    .onConflictDoNothing({ target: [messages.conversationId, messages.clientId] })
    .returning({ seq: messages.seq });
  const updated = db
    .update(conversations)
    .set({
      lastSeq: m.seq,
      lastMessageAt: m.sentAt,
      lastMessagePreview: m.senderType === "system" ? conversations.lastMessagePreview : conversation.lastMessagePreview,
      startedAt: sql`coalesce(${conversations.startedAt}, ${m.sentAt})`,
      status: fromStaff ? sql`case when ${conversations.status} = 'pending' then 'active' else ${conversations.status} end` : conversations.status,
      unreadStaff: sql`${conversations.unreadStaff} + ${fromCustomer}`,
      awaitingReply: m.senderType === "system" ? conversations.awaitingReply : conversation.awaitingReply,
      unreadCustomer: sql`${conversations.unreadCustomer} + ${fromStaff}`,
    })
    .where(
      and(
        eq(conversations.id, m.conversationId),
        sql`exists (select 1 from messages where conversation_id = ${m.conversationId} and seq = ${m.seq} and client_id = ${m.clientId})`,
      ),
    );
  const [stored] = await db.batch([inserted, updated]);
  return stored.length > 0 ? { message, conversation } : null;
}

export async function messagesAfter(db: Db, conversationId: string, after: number, limit: number): Promise<MessageRow[]> {
  return db
    .select()
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), gt(messages.seq, after)))
    .orderBy(asc(messages.seq))
    .limit(limit);
}

/** Marks the other party's messages up to `seq` read; returns the conversation afterwards. */
export async function markRead(db: Db, conversationId: string, reader: "customer" | "staff", seq: number, at: number) {
  const other = reader === "staff" ? "customer" : "staff";
  const unreadCount = sql<number>`(select count(*) from messages where conversation_id = ${conversationId} and sender_type = ${other} and read_at is null)`;
  const [, [row]] = await db.batch([
    db
      .update(messages)
      .set({ readAt: at })
      .where(
        and(
          eq(messages.conversationId, conversationId),
          eq(messages.senderType, other),
          lte(messages.seq, seq),
          isNull(messages.readAt),
        ),
      ),
    db
      .update(conversations)
      .set(
        reader === "staff"
          ? { staffReadSeq: sql`max(${conversations.staffReadSeq}, ${seq})`, unreadStaff: unreadCount }
          : { customerReadSeq: sql`max(${conversations.customerReadSeq}, ${seq})`, unreadCustomer: unreadCount },
      )
      .where(eq(conversations.id, conversationId))
      .returning(),
  ]);
  return row as ConversationRow;
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
