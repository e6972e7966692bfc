// How a conversation row changes with its messages. The room owns these fields (its own storage
// has them first; D1 gets them with the next copy, rooms/d1-copy.ts); everything else in the row
// (staff, end, rating, outcome) comes from D1.
import type { ConversationRow, MessageRow } from "../domain/db/mappers";
import { awaitingReplyAfter } from "../domain/conversation-query";
import { laterStatus, type MessageContent, previewOf } from "../protocol";
import { messageFieldsOf } from "../domain/db/message-copy";

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

export function messageRow(m: NewMessage): MessageRow {
  const c = m.content;
  return {
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
}

export function afterMessage(current: ConversationRow, m: MessageRow): ConversationRow {
  const fromStaff = m.senderType === "staff";
  return {
    ...current,
    lastSeq: m.seq,
    lastMessageAt: m.sentAt,
    // Inbox previews show what people wrote, not transfer notes or auto replies.
    lastMessagePreview: m.senderType === "system" ? current.lastMessagePreview : previewOf({ kind: m.kind, text: m.text }).slice(0, 100),
    startedAt: current.startedAt ?? m.sentAt,
    status: fromStaff && current.status === "pending" ? "active" : current.status,
    unreadStaff: current.unreadStaff + (m.senderType === "customer" ? 1 : 0),
    unreadCustomer: current.unreadCustomer + (fromStaff ? 1 : 0),
    awaitingReply: awaitingReplyAfter(m.senderType, current.awaitingReply ?? false),
  };
}

export function afterRead(current: ConversationRow, reader: "customer" | "staff", seq: number, unread: number): ConversationRow {
  return reader === "staff"
    ? { ...current, staffReadSeq: Math.max(current.staffReadSeq, seq), unreadStaff: unread }
    : { ...current, customerReadSeq: Math.max(current.customerReadSeq, seq), unreadCustomer: unread };
}

/**
 * A row read from D1 merged with the room's own: D1's copy of the message fields may be up to a
 * copy interval behind, so the room's win unless D1 is ahead (history imported from D1).
 */
export function mergeD1Row(d1: ConversationRow, local: ConversationRow | undefined): ConversationRow {
  if (!local || d1.lastSeq > local.lastSeq) return d1;
  const ended = d1.status === "ended" ? d1 : local.status === "ended" ? local : null;
  return {
    ...d1,
    ...messageFieldsOf(local),
    staffReadSeq: Math.max(d1.staffReadSeq, local.staffReadSeq),
    customerReadSeq: Math.max(d1.customerReadSeq, local.customerReadSeq),
    status: laterStatus(d1.status, local.status),
    endedAt: ended?.endedAt ?? null,
    endReason: ended?.endReason ?? null,
  };
}
