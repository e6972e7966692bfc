// PDF export of conversation transcripts with Chinese text: pdf-lib draws the pages with a
// Noto Sans SC subset (see font-subset.ts) embedded, so the text is real text that
// viewers render and `pdftotext` extracts.
import fontkit from "@pdf-lib/fontkit";
import { PDFDocument, type PDFFont, type PDFPage, rgb } from "pdf-lib";
import { fmtTime } from "../ui";
import { subsetFont } from "./font-subset";
import type { ExportedConversation } from "./read-stream";
import { conversationRow, CONVERSATION_COLUMNS, FLAGGED_MARK, messageText, senderName } from "./rows";

export type PdfAssets = { font: Uint8Array; wasm: BufferSource };

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 48;
const SIZE = { title: 16, head: 11, body: 9.5 };
const GREY = rgb(0.42, 0.45, 0.5);

// The embedded CJK font has no emoji: they are written as words instead of empty boxes.
const EMOJI = /\p{Extended_Pictographic}\uFE0F?/gu;
const EMOJI_NAMES: Record<string, string> = { "😀": "微笑", "😂": "笑哭", "😊": "开心", "👍": "赞", "👏": "鼓掌", "🙏": "感谢", "❤️": "爱心", "🌹": "玫瑰", "🎉": "庆祝", "😭": "大哭", "😡": "生气", "👌": "好的", "✅": "对", "❌": "错" };
const emojiName = (e: string) => EMOJI_NAMES[e] ?? "";
const withoutEmoji = (text: string) => text.replace(EMOJI, (e) => `[${emojiName(e) || "表情"}]`);

type Line = { text: string; size: number; color?: ReturnType<typeof rgb>; indent?: number; gapBefore?: number };

function documentLines(data: ExportedConversation[], title: string): Line[] {
  const lines: Line[] = [{ text: title, size: SIZE.title }, { text: `共 ${data.length} 个会话，导出于 ${fmtTime(Date.now())}`, size: SIZE.body, color: GREY }];
  for (const e of data) {
    const row = conversationRow(e);
    const c = e.conversation;
    lines.push({ text: `会话 ${c.id}`, size: SIZE.head, gapBefore: 14 });
    lines.push({
      text: [1, 3, 5, 6, 8, 10, 11].map((i) => `${CONVERSATION_COLUMNS[i]}：${row[i] === "" ? "—" : row[i]}`).join("   "),
      size: SIZE.body,
      color: GREY,
    });
    if (c.ratingComment) lines.push({ text: `顾客评价：${withoutEmoji(c.ratingComment)}`, size: SIZE.body, color: GREY });
    for (const m of e.messages) {
      lines.push({ text: `${fmtTime(m.sentAt)}  ${senderName(m, e)}${m.flagged ? `  （${FLAGGED_MARK}）` : ""}`, size: SIZE.body, color: GREY, gapBefore: 4 });
      lines.push({ text: m.kind === "emoji" ? `[表情] ${emojiName(m.text ?? "")}` : withoutEmoji(messageText(m)), size: SIZE.body, indent: 12 });
    }
  }
  return lines;
}

/** Breaks a line into pieces that fit the width, character by character (Chinese has no spaces). */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const out: string[] = [];
  let current = "";
  for (const ch of text) {
    if (font.widthOfTextAtSize(current + ch, size) > width && current) {
      out.push(current);
      current = "";
    }
    current += ch;
  }
  out.push(current);
  return out;
}

export async function buildPdf(data: ExportedConversation[], assets: PdfAssets, title = "会话记录"): Promise<Uint8Array> {
  const lines = documentLines(data, title);
  const usedText = lines.map((l) => l.text).join("") + "0123456789/ ";
  const doc = await PDFDocument.create();
  doc.registerFontkit(fontkit);
  doc.setTitle(title);
  doc.setCreator("客服管理后台");
  const font = await doc.embedFont(await subsetFont(assets.wasm, assets.font, usedText), { subset: false });
  let page: PDFPage = doc.addPage([A4.width, A4.height]);
  let y = A4.height - MARGIN;
  const pageNumbers: PDFPage[] = [page];
  for (const line of lines) {
    const indent = line.indent ?? 0;
    wrap(line.text, font, line.size, A4.width - 2 * MARGIN - indent).forEach((piece, i) => {
      const height = line.size * 1.5 + (i === 0 ? line.gapBefore ?? 0 : 0);
      if (y - height < MARGIN) {
        page = doc.addPage([A4.width, A4.height]);
        pageNumbers.push(page);
        y = A4.height - MARGIN;
      }
      y -= height;
      page.drawText(piece, { x: MARGIN + indent, y, size: line.size, font, color: line.color ?? rgb(0.1, 0.1, 0.12) });
    });
  }
  pageNumbers.forEach((p, i) => p.drawText(`${i + 1} / ${pageNumbers.length}`, { x: A4.width / 2 - 12, y: MARGIN / 2, size: 8, font, color: GREY }));
  return doc.save();
}
