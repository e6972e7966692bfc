// The staff inbox list: merging the HTTP page with live feed frames, filters, and the rows shown.
import { badgeText, STATUS_LABELS, timeLabel } from "./format";
import type { ConversationStatus, InboxItem } from "../protocol";

export const TIME_RANGES = [
  { value: "all", label: "全部时间", days: 0 },
  { value: "today", label: "今天", days: 1 },
  { value: "7d", label: "近 7 天", days: 7 },
  { value: "30d", label: "近 30 天", days: 30 },
] as const;
export type TimeRange = (typeof TIME_RANGES)[number]["value"];
/** `view`: a conversation status, or "awaiting" (待回复: the customer's last message not yet answered). */
export type InboxView = ConversationStatus | "awaiting";
export type InboxFilter = { status?: InboxView; range: TimeRange };
export const AWAITING_LABEL = "待回复";

/** The inbox query of a view. */
export function viewQuery(view: InboxView | undefined): { status?: ConversationStatus; awaiting?: boolean } {
  return view === "awaiting" ? { awaiting: true } : { status: view };
}

/** Start of the time range (local midnight for "today"), or undefined for all time. */
export function rangeStart(range: TimeRange, now = Date.now()): number | undefined {
  const days = TIME_RANGES.find((r) => r.value === range)?.days ?? 0;
  if (!days) return undefined;
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime() - (days - 1) * 86_400_000;
}

export function matchesFilter(item: InboxItem, filter: InboxFilter, now = Date.now()): boolean {
  if (filter.status === "awaiting" ? !item.awaitingReply : filter.status && item.status !== filter.status) return false;
  const from = rangeStart(filter.range, now);
  return from === undefined || (item.lastMessageAt ?? item.createdAt) >= from;
}

const byLastMessage = (a: InboxItem, b: InboxItem) => (b.lastMessageAt ?? b.createdAt) - (a.lastMessageAt ?? a.createdAt);

/** Applies a live inbox frame: replaces or adds the item, drops it if it no longer matches, keeps the order. */
export function upsertItem(items: InboxItem[], item: InboxItem, filter: InboxFilter, now = Date.now()): InboxItem[] {
  const rest = items.filter((i) => i.id !== item.id);
  if (matchesFilter(item, filter, now)) rest.push(item);
  return rest.sort(byLastMessage);
}

export function removeItem(items: InboxItem[], conversationId: string): InboxItem[] {
  return items.filter((i) => i.id !== conversationId);
}

export type InboxRow = {
  id: string;
  customerId: string;
  name: string;
  avatar: string;
  preview: string;
  time: string;
  unread: number;
  badge: string;
  status: ConversationStatus;
  statusLabel: string;
  awaitingReply: boolean;
};

export function inboxRows(items: InboxItem[], assetUrl: (path: string | null) => string, now = Date.now()): InboxRow[] {
  return items.map((i) => ({
    id: i.id,
    customerId: i.customerId,
    name: i.customerName ?? `顾客 ${i.customerId.slice(-4)}`,
    avatar: assetUrl(i.customerAvatar),
    preview: i.lastMessagePreview ?? "",
    time: i.lastMessageAt ? timeLabel(i.lastMessageAt, now) : "",
    unread: i.unread,
    badge: badgeText(i.unread),
    status: i.status,
    statusLabel: i.awaitingReply ? AWAITING_LABEL : STATUS_LABELS[i.status],
    awaitingReply: i.awaitingReply,
  }));
}

export function totalUnread(items: InboxItem[]): number {
  return items.reduce((n, i) => n + i.unread, 0);
}
