// Streams a conversation search with transcripts as NDJSON, page by page, so a large export
// neither loads everything into the Worker's memory nor keeps the browser waiting blind: the
// first line carries the total, which the console turns into a progress bar.
import type { Db } from "./db/client";
import type { ConversationSearch, ExportLine } from "../protocol";
import { searchConversations } from "./conversation-query";
import { type HistoryReader, transcripts } from "./room-history";

/** More than this many conversations in one export is refused; narrow the period instead. */
export const EXPORT_MAX = 20_000;
const PAGE = 50;

/** Transcripts come from the rooms (`history`), which keep them past the D1 copy window. */
export function exportStream(
  db: Db,
  history: HistoryReader,
  q: Omit<ConversationSearch, "limit" | "offset">,
  total: number,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const line = (l: ExportLine) => encoder.encode(`${JSON.stringify(l)}\n`);
  let offset = 0;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!started) {
        started = true;
        controller.enqueue(line({ type: "meta", total, generatedAt: Date.now() }));
        return;
      }
      const page = offset < total ? await searchConversations(db, { ...q, limit: PAGE, offset }) : [];
      if (page.length === 0) {
        controller.enqueue(line({ type: "end", count: offset }));
        controller.close();
        return;
      }
      const texts = await transcripts(history, page.map((c) => c.id));
      for (const conversation of page) {
        controller.enqueue(line({ type: "conversation", conversation, messages: texts.get(conversation.id) ?? [] }));
      }
      offset += page.length;
    },
  });
}
