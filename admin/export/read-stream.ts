// Reads the NDJSON export stream line by line, reporting progress as conversations arrive.
import { type AdminConversation, exportLineSchema, type Message } from "../../protocol";

export type ExportedConversation = { conversation: AdminConversation; messages: Message[] };

export async function readExport(response: Response, onProgress: (done: number, total: number) => void): Promise<ExportedConversation[]> {
  if (!response.body) throw new Error("导出数据为空");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const out: ExportedConversation[] = [];
  let total = 0;
  let buffer = "";
  let ended = false;
  const take = (text: string) => {
    if (!text.trim()) return;
    const line = exportLineSchema.parse(JSON.parse(text));
    if (line.type === "meta") total = line.total;
    else if (line.type === "conversation") out.push({ conversation: line.conversation, messages: line.messages });
    else ended = true;
    onProgress(out.length, total);
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    const lines = buffer.split("\n");
    buffer = lines.pop() ?? "";
    lines.forEach(take);
  }
  take(buffer);
  if (!ended) throw new Error("导出中断，请重试");
  return out;
}
