// Customers (F011): search, profile with the staff relation and the full conversation history.
// Tags, notes and phone are edited through PATCH /api/customers/:id.
import { and, desc, eq, exists, or, sql } from "drizzle-orm";
import { customerById } from "../../../domain/customers";
import { conversations, staff, users } from "../../../domain/db/schema";
import { router } from "../../http/app";
import { notFound, parseOr400 } from "../../../domain/errors";
import { type AdminCustomer, customerSearchSchema } from "../../../protocol";
import { toProfile } from "../customers";
import { searchConversations } from "../../../domain/conversation-query";
import { containsText } from "../../../domain/text-search";

const conversationCount = sql<number>`(SELECT count(*) FROM conversations c WHERE c.customer_id = ${users.id} AND c.started_at IS NOT NULL)`;

export const adminCustomerRoutes = router()
  .get("/", async (c) => {
    const q = parseOr400(customerSearchSchema, c.req.query());
    const db = c.get("db");
    const where = and(
      q.q ? or(eq(users.id, q.q), containsText(users.nickname, q.q), containsText(users.phone, q.q), containsText(users.note, q.q)) : undefined,
      q.tag ? sql`EXISTS (SELECT 1 FROM json_each(${users.tags}) WHERE value = ${q.tag})` : undefined,
      q.staffId
        ? or(
            eq(users.exclusiveStaffId, q.staffId),
            exists(db.select({ one: sql`1` }).from(conversations).where(and(eq(conversations.customerId, users.id), eq(conversations.staffId, q.staffId)))),
          )
        : undefined,
    );
    const [rows, [{ n }]] = await Promise.all([
      db
        .select({ user: users, exclusiveStaffName: staff.name, conversationCount })
        .from(users)
        .leftJoin(staff, eq(staff.id, users.exclusiveStaffId))
        .where(where)
        .orderBy(desc(users.lastActiveAt))
        .limit(q.limit)
        .offset(q.offset),
      db.select({ n: sql<number>`count(*)` }).from(users).where(where),
    ]);
    const items = rows.map(
      (r): AdminCustomer => ({ ...toProfile(r.user), exclusiveStaffName: r.exclusiveStaffName, conversationCount: Number(r.conversationCount) }),
    );
    return c.json({ items, total: Number(n) });
  })
  .get("/:id", async (c) => {
    const db = c.get("db");
    const customer = await customerById(db, c.req.param("id"));
    if (!customer) throw notFound("顾客不存在");
    const [history, relation, exclusive] = await Promise.all([
      searchConversations(db, { customer: customer.id, limit: 200, offset: 0 }),
      db
        .select({
          staffId: conversations.staffId,
          name: staff.name,
          code: staff.code,
          conversations: sql<number>`count(*)`,
          lastAt: sql<number>`max(${conversations.lastMessageAt})`,
        })
        .from(conversations)
        .leftJoin(staff, eq(staff.id, conversations.staffId))
        .where(and(eq(conversations.customerId, customer.id), sql`${conversations.startedAt} IS NOT NULL`))
        .groupBy(conversations.staffId)
        .orderBy(desc(sql`max(${conversations.lastMessageAt})`)),
      customer.exclusiveStaffId
        ? db.select({ id: staff.id, name: staff.name, code: staff.code }).from(staff).where(eq(staff.id, customer.exclusiveStaffId)).limit(1)
        : Promise.resolve([]),
    ]);
    return c.json({
      customer: { ...toProfile(customer), exclusiveStaffName: exclusive[0]?.name ?? null, conversationCount: history.length } satisfies AdminCustomer,
      exclusiveStaff: exclusive[0] ?? null,
      staff: relation.map((r) => ({ ...r, conversations: Number(r.conversations) })),
      conversations: history,
    });
  });
