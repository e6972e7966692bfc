// Conversations (F012): search by period, staff, customer and status; export as an NDJSON stream
// that the console turns into .xlsx or PDF. Transcripts come from GET /api/conversations/:id/messages.
import { EXPORT_MAX, exportStream } from "../../../domain/export-stream";
import { router } from "../../http/app";
import { badRequest, parseOr400 } from "../../../domain/errors";
import { conversationSearchSchema } from "../../../protocol";
import { countConversations, searchConversations } from "../../../domain/conversation-query";
import { roomHistory } from "../../rooms-client";

export const adminConversationRoutes = router()
  .get("/", async (c) => {
    const q = parseOr400(conversationSearchSchema, c.req.query());
    const db = c.get("db");
    const [items, total] = await Promise.all([searchConversations(db, q), countConversations(db, q)]);
    return c.json({ items, total });
  })
  .get("/export", async (c) => {
    const { limit: _limit, offset: _offset, ...q } = parseOr400(conversationSearchSchema, c.req.query());
    const db = c.get("db");
    const total = await countConversations(db, q);
    if (total > EXPORT_MAX) throw badRequest(`一次最多导出 ${EXPORT_MAX} 个会话，当前 ${total} 个，请缩小时间范围`);
    return new Response(exportStream(db, roomHistory(c.env), q, total), {
      headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store", "x-export-total": String(total) },
    });
  });
