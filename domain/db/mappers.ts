import type { InboxItem, Message } from "../../protocol";
import type { conversations, messages } from "./schema";

export type MessageRow = typeof messages.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;

export function toMessage(row: MessageRow): Message {
  return {
    conversationId: row.conversationId,
    seq: row.seq,
    clientId: row.clientId,
    sender: row.senderType,
    senderId: row.senderId,
    kind: row.kind,
    text: row.text,
    mediaKey: row.mediaKey,
    durationMs: row.durationMs,
    flagged: row.flagged,
    sentAt: row.sentAt,
    readAt: row.readAt,
  };
}

export function toInboxItem(
  row: ConversationRow,
  customer: { nickname: string | null; avatar: string | null } | null,
): InboxItem {
  return {
    id: row.id,
    customerId: row.customerId,
    customerName: customer?.nickname ?? null,
    customerAvatar: customer?.avatar ?? null,
    staffId: row.staffId,
    status: row.status,
    source: row.source,
    createdAt: row.createdAt,
    lastMessageAt: row.lastMessageAt,
    lastMessagePreview: row.lastMessagePreview,
    unread: row.unreadStaff,
    // Rooms may still hold a snapshot of the row from before the column existed.
    awaitingReply: (row.awaitingReply ?? false) && row.status !== "ended",
  };
}
