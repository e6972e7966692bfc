import { and, desc, eq, ne } from "drizzle-orm";
import { assignStaff, takesOverByScene } from "../../domain/assignment";
import { customerById } from "../../domain/customers";
import { conversations, staff, users } from "../../domain/db/schema";
import { router } from "../http/app";
import { principal, requireRole } from "../http/auth";
import { ApiError, notFound } from "../../domain/errors";
import { readJson } from "../http/errors";
import { entryRequestSchema, type EntryResult } from "../../protocol";
import { conversationRoom } from "../rooms-client";
import { idleDeadline, loadSettings } from "../../domain/settings";
import { staffCard } from "../../domain/staff-card";

export const entryRoutes = router().post("/", requireRole("customer"), async (c) => {
  const { scene } = await readJson(c, entryRequestSchema);
  const db = c.get("db");
  const customer = await customerById(db, principal(c).sub);
  if (!customer) throw notFound("用户不存在");
  const settings = await loadSettings(db);
  const now = Date.now();

  const exclusive = scene ? (await db.select().from(staff).where(and(eq(staff.code, scene), eq(staff.disabled, false))).limit(1))[0] : undefined;
  if (exclusive && exclusive.id !== customer.exclusiveStaffId) {
    await db.update(users).set({ exclusiveStaffId: exclusive.id }).where(eq(users.id, customer.id));
  }

  // Record continuity: a returning customer continues the open conversation (or visit), unless it
  // has gone idle past its timeout (the sweep may not have run yet). Scanning an exclusive code
  // hands it over to that staff member, history and all, when the rules let them take it (6.1).
  const [open] = await db
    .select()
    .from(conversations)
    .where(and(eq(conversations.customerId, customer.id), ne(conversations.status, "ended")))
    .orderBy(desc(conversations.createdAt))
    .limit(1);
  if (open) {
    const room = () => conversationRoom(c.env, open.id);
    const expired = now >= idleDeadline(open, settings) && (await (await room()).expireIfIdle());
    if (!expired) {
      if (exclusive && (await takesOverByScene(db, settings, open.staffId, exclusive, now))) {
        const state = await (await room())
          .transfer({ toStaffId: exclusive.id, toStaffName: exclusive.name, byStaffId: exclusive.id, reason: "客户扫描了专属二维码", source: "qr" })
          // Ended meanwhile (timeout, staff): the customer gets a new conversation below.
          .catch((error: unknown) => {
            if (error instanceof Error && error.message.startsWith("kefu-error:conversation_ended:")) return null;
            throw error;
          });
        if (state) {
          const result: EntryResult = { conversationId: open.id, staff: staffCard(exclusive), status: state.status, continued: true, source: "qr", exclusive: true };
          return c.json(result);
        }
      } else {
        const [assigned] = await db.select().from(staff).where(eq(staff.id, open.staffId)).limit(1);
        const result: EntryResult = {
          conversationId: open.id,
          staff: staffCard(assigned),
          status: open.status,
          continued: true,
          source: open.source,
          exclusive: open.staffId === customer.exclusiveStaffId,
        };
        return c.json(result);
      }
    }
  }

  const assignment = await assignStaff(db, settings, {
    exclusiveCode: exclusive?.code,
    exclusiveStaffId: exclusive?.id ?? customer.exclusiveStaffId,
    now,
  });
  if (!assignment) throw new ApiError("no_staff", "暂无可用客服，请稍后再试");

  const id = `c_${crypto.randomUUID().replace(/-/g, "")}`;
  await db.insert(conversations).values({ id, customerId: customer.id, staffId: assignment.staff.id, source: assignment.source, createdAt: now });
  const result: EntryResult = {
    conversationId: id,
    staff: staffCard(assignment.staff),
    status: "pending",
    continued: false,
    source: assignment.source,
    exclusive: assignment.staff.id === (exclusive?.id ?? customer.exclusiveStaffId),
  };
  return c.json(result, 201);
});
