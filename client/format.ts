// Display helpers shared by the mini program and the H5 page (Simplified Chinese, device time zone).

const pad = (n: number) => String(n).padStart(2, "0");

function dayStart(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** WeChat-style time label: "14:05", "昨天 14:05", "3月2日 14:05", "2023年3月2日". */
export function timeLabel(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const today = dayStart(now);
  if (ms >= today) return hm;
  if (ms >= today - 86_400_000) return `昨天 ${hm}`;
  if (d.getFullYear() === new Date(now).getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日 ${hm}`;
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}

/** Voice length as WeChat shows it: 7″. */
export function durationLabel(ms: number | null): string {
  return `${Math.max(1, Math.round((ms ?? 0) / 1000))}″`;
}

/** Red-dot text: counts above 99 show as 99+. */
export function badgeText(unread: number): string {
  return unread > 99 ? "99+" : unread > 0 ? String(unread) : "";
}

/** The emoji panel; a tap sends the emoji as an `emoji` message. */
export const EMOJIS = [
  "😀", "😁", "😂", "🤣", "😊", "😍", "😘", "😎", "🤔", "😅",
  "😭", "😡", "😱", "😴", "🤝", "👍", "👎", "👏", "🙏", "💪",
  "🎉", "🌹", "❤️", "💔", "☕", "🍵", "🧧", "💰", "📦", "✅",
  "❌", "❓", "⏰", "📞", "🙂", "😉", "🥰", "😳", "🤗", "👌",
] as const;

export const STATUS_LABELS = { pending: "待接入", active: "进行中", ended: "已结束" } as const;
export const PRESENCE_LABELS = { online: "在线", busy: "忙碌", offline: "离线" } as const;
