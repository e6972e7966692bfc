// Excel export: a sheet of conversations and a sheet of every message, built with exceljs.
import ExcelJS from "exceljs";
import { CONVERSATION_COLUMNS, conversationRow, MESSAGE_COLUMNS, messageRow } from "./rows";
import type { ExportedConversation } from "./read-stream";

function sheet(wb: ExcelJS.Workbook, name: string, columns: string[], widths: number[]) {
  const ws = wb.addWorksheet(name, { views: [{ state: "frozen", ySplit: 1 }] });
  ws.columns = columns.map((header, i) => ({ header, width: widths[i] ?? 14 }));
  ws.getRow(1).font = { bold: true };
  return ws;
}

export async function buildXlsx(data: ExportedConversation[]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "客服管理后台";
  const conversations = sheet(wb, "会话", CONVERSATION_COLUMNS, [26, 20, 20, 14, 14, 12, 10, 8, 6, 24, 8, 8]);
  const messages = sheet(wb, "消息", MESSAGE_COLUMNS, [26, 6, 20, 12, 8, 60, 10]);
  for (const e of data) {
    conversations.addRow(conversationRow(e));
    for (const m of e.messages) messages.addRow(messageRow(m, e));
  }
  return new Uint8Array(await wb.xlsx.writeBuffer());
}
