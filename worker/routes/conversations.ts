import { and, asc, desc, eq, gte, isNotNull, isNull, lt, lte, type SQL } from "drizzle-orm";
import { conversationFor } from "../../domain/access";
import { earlierPage } from "../../domain/customer-history";
import { awaitingReplyWhere } from "../../domain/conversation-query";
import { seesAllConversations } from "../../domain/auth/token";
import { toInboxItem } from "../../domain/db/mappers";
import { conversations, staff, users } from "../../domain/db/schema";
import { router } from "../http/app";
import { anyone, anyStaff, principal, requireRole } from "../http/auth";
import { ApiError, badRequest, forbidden, parseOr400 } from "../../domain/errors";
import { readJson } from "../http/errors";
import { earlierQuerySchema, historyQuerySchema, inboxQuerySchema, outcomeRequestSchema, ratingRequestSchema, transferRequestSchema } from "../../protocol";
import { conversationRoom, roomHistory } from "../rooms-client";
import { staffCard } from "../../domain/staff-card";
import { customerOpenid } from "../../domain/customers";
import { screenCustomerMessage } from "../../domain/wechat/content-check";


export const inboxRoutes = router().get("/conversations", anyStaff(), async (c) => {
  const p = principal(c);
  const q = parseOr400(inboxQuerySchema, c.req.query());
  if (q.staffId && q.staffId !== p.sub && !seesAllConversations(p.role)) throw forbidden("只能查看自己的会话");
  const staffId = seesAllConversations(p.role) ? q.staffId : p.sub;
  const where: (SQL | undefined)[] = [
    isNotNull(conversations.lastMessageAt),
    staffId ? eq(conversations.staffId, staffId) : undefined,
    q.status ? eq(conversations.status, q.status) : undefined,
    q.awaiting ? awaitingReplyWhere() : undefined,
    q.from !== undefined ? gte(conversations.lastMessageAt, q.from) : undefined,
    q.to !== undefined ? lte(conversations.lastMessageAt, q.to) : undefined,
    q.before !== undefined ? lt(conversations.lastMessageAt, q.before) : undefined,
  ];
  const rows = await c
    .get("db")
    .select({ conversation: conversations, nickname: users.nickname, avatar: users.avatar })
    .from(conversations)
    .leftJoin(users, eq(users.id, conversations.customerId))
    .where(and(...where))
    .orderBy(desc(conversations.lastMessageAt))
    .limit(q.limit);
  return c.json({ items: rows.map((r) => toInboxItem(r.conversation, r)) });
});

export const conversationRoutes = router()
  .get("/:id", anyone(), async (c) => {
    const db = c.get("db");
    const row = await conversationFor(db, principal(c), c.req.param("id"));
    const [assigned] = await db.select().from(staff).where(eq(staff.id, row.staffId)).limit(1);
    const [customer] = await db.select({ nickname: users.nickname, avatar: users.avatar }).from(users).where(eq(users.id, row.customerId));
    return c.json({
      conversation: toInboxItem(row, customer ?? null),
      staff: staffCard(assigned),
      lastSeq: row.lastSeq,
      endedAt: row.endedAt,
      // Internal marks: staff only (a customer is not told they were "converted").
      outcome: principal(c).role === "customer" ? undefined : { resolved: row.resolved, converted: row.converted },
    });
  })
  .get("/:id/messages", anyone(), async (c) => {
    const db = c.get("db");
    const row = await conversationFor(db, principal(c), c.req.param("id"));
    const q = parseOr400(historyQuerySchema, c.req.query());
    if (q.before !== undefined && q.after !== undefined) throw badRequest("before 和 after 不能同时使用");
    // The room holds the history; D1's copy may be a moment behind.
    return c.json(await (await conversationRoom(c.env, row.id)).history(q));
  })
  .get("/:id/earlier", requireRole("customer"), async (c) => {
    const db = c.get("db");
    const current = await conversationFor(db, principal(c), c.req.param("id"));
    return c.json(await earlierPage(db, roomHistory(c.env), current, parseOr400(earlierQuerySchema, c.req.query())));
  })
  .post("/:id/transfer", anyStaff(), async (c) => {
    const db = c.get("db");
    const p = principal(c);
    const row = await conversationFor(db, p, c.req.param("id"));
    const body = await readJson(c, transferRequestSchema);
    const [target] = await db.select().from(staff).where(eq(staff.id, body.toStaffId)).limit(1);
    if (!target || target.disabled) throw badRequest("目标客服不存在或已停用");
    if (target.id === row.staffId) throw badRequest("会话已属于该客服");
    if (row.status === "ended") throw new ApiError("conversation_ended", "会话已结束，无法转接");
    const state = await (await conversationRoom(c.env, row.id)).transfer({
      toStaffId: target.id,
      toStaffName: target.name,
      byStaffId: p.sub,
      reason: body.reason,
    });
    return c.json({ conversation: state, staff: staffCard(target) });
  })
  .post("/:id/end", anyStaff(), async (c) => {
    const row = await conversationFor(c.get("db"), principal(c), c.req.param("id"));
    const state = await (await conversationRoom(c.env, row.id)).end("staff");
    return c.json({ conversation: state });
  });

export const outcomeRoutes = router()
  .post("/:id/rating", requireRole("customer"), async (c) => {
    const row = await conversationFor(c.get("db"), principal(c), c.req.param("id"));
    const body = await readJson(c, ratingRequestSchema);
    if (!row.startedAt) throw badRequest("会话尚未开始，无法评价");
    // Rating is of the whole conversation, after its end; once.
    if (row.status !== "ended") throw new ApiError("conflict", "会话结束后才能评价");
    if (row.rating !== null) throw new ApiError("conflict", "已经评价过了");
    // Staff read the comment: checked like a message (risky is refused; unavailable or review passes, as for messages).
    if (body.comment && (await screenCustomerMessage(c.env, await customerOpenid(c.get("db"), principal(c).sub), { kind: "text", text: body.comment })) === "refuse") {
      throw new ApiError("content_risky", "评价内容含有违规信息，请修改后再提交");
    }
    const rated = await c
      .get("db")
      .update(conversations)
      .set({ rating: body.score, ratingComment: body.comment ?? null })
      .where(and(eq(conversations.id, row.id), isNull(conversations.rating)))
      .returning({ id: conversations.id });
    if (rated.length === 0) throw new ApiError("conflict", "已经评价过了");
    return c.json({ ok: true, score: body.score });
  })
  .post("/:id/outcome", anyStaff(), async (c) => {
    const row = await conversationFor(c.get("db"), principal(c), c.req.param("id"));
    const body = await readJson(c, outcomeRequestSchema);
    const [updated] = await c.get("db").update(conversations).set(body).where(eq(conversations.id, row.id)).returning();
    return c.json({ resolved: updated.resolved, converted: updated.converted });
  });

/** Colleagues a conversation can be transferred to (staff know each other's codes; customers are not shown them). */
export const colleagueRoutes = router().get("/", anyStaff(), async (c) => {
  const rows = await c.get("db").select().from(staff).where(eq(staff.disabled, false)).orderBy(asc(staff.code));
  return c.json({ staff: rows.map((s) => ({ ...staffCard(s), code: s.code, role: s.role })) });
});
