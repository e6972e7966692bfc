// The tabular view of an export, shared by the Excel and PDF files.
import type { Message } from "../../protocol";
import { fmtTime } from "../ui";
import type { ExportedConversation } from "./read-stream";

const STATUS = { pending: "待接入", active: "进行中", ended: "已结束" } as const;

export const CONVERSATION_COLUMNS = ["会话ID", "开始时间", "结束时间", "顾客", "电话", "客服", "状态", "消息数", "评分", "评价", "已解决", "已转化"];
export const MESSAGE_COLUMNS = ["会话ID", "序号", "时间", "发送方", "类型", "内容", "内容审核"];
/** The export's mark of a message the content check flagged (see FLAGGED_NOTICE in client/chat-session.ts). */
export const FLAGGED_MARK = "待审核";

export function conversationRow({ conversation: c }: ExportedConversation): (string | number)[] {
  return [
    c.id,
    fmtTime(c.startedAt),
    fmtTime(c.endedAt),
    c.customerName ?? "",
    c.customerPhone ?? "",
    c.staffName ?? c.staffId,
    STATUS[c.status],
    c.messageCount,
    c.rating ?? "",
    c.ratingComment ?? "",
    c.resolved ? "是" : "否",
    c.converted ? "是" : "否",
  ];
}

export function senderName(m: Message, e: ExportedConversation): string {
  if (m.sender === "customer") return e.conversation.customerName ?? "顾客";
  if (m.sender === "system") return "系统";
  return m.senderId === e.conversation.staffId ? e.conversation.staffName ?? "客服" : `客服 ${m.senderId}`;
}

const KIND_NAMES = { text: "文字", image: "图片", voice: "语音", emoji: "表情", system: "系统" } as const;

export function messageText(m: Message): string {
  if (m.kind === "image") return "[图片]";
  if (m.kind === "voice") return `[语音 ${Math.round((m.durationMs ?? 0) / 1000)} 秒]`;
  return m.text ?? "";
}

export function messageRow(m: Message, e: ExportedConversation): (string | number)[] {
  return [m.conversationId, m.seq, fmtTime(m.sentAt), senderName(m, e), KIND_NAMES[m.kind], messageText(m), m.flagged ? FLAGGED_MARK : ""];
}
