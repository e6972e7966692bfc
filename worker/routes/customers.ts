import { and, desc, eq, isNotNull } from "drizzle-orm";
import type { Context } from "hono";
import { seesAllConversations } from "../../domain/auth/token";
import { customerById, type UserRow } from "../../domain/customers";
import { toInboxItem } from "../../domain/db/mappers";
import { conversations, users } from "../../domain/db/schema";
import { type AppEnv, router } from "../http/app";
import { anyStaff, principal } from "../http/auth";
import { forbidden, notFound } from "../../domain/errors";
import { readJson } from "../http/errors";
import { type CustomerProfile, customerPatchSchema, type H5EntryLink } from "../../protocol";
import { signEntryLink } from "../../domain/auth/h5-entry";

export function toProfile(u: UserRow): CustomerProfile {
  return {
    id: u.id,
    nickname: u.nickname,
    avatar: u.avatar,
    phone: u.phone,
    tags: u.tags,
    note: u.note,
    exclusiveStaffId: u.exclusiveStaffId,
    createdAt: u.createdAt,
    lastActiveAt: u.lastActiveAt,
  };
}

/** Staff see customers they have served; supervisors and admins see all. */
async function visibleCustomer(c: Context<AppEnv>, id: string): Promise<UserRow> {
  const p = principal(c);
  const db = c.get("db");
  const customer = await customerById(db, id);
  if (!customer) throw notFound("顾客不存在");
  if (seesAllConversations(p.role) || customer.exclusiveStaffId === p.sub) return customer;
  const [served] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(eq(conversations.customerId, id), eq(conversations.staffId, p.sub)))
    .limit(1);
  if (!served) throw forbidden("无权查看此顾客");
  return customer;
}

export const customerRoutes = router()
  // A one-time entry link to the H5 page for this customer and this staff member (README "Go live on WeChat").
  .post("/:id/h5-link", anyStaff(), async (c) => {
    const customer = await visibleCustomer(c, c.req.param("id"));
    const { link, claims } = await signEntryLink(c.env.TOKEN_SECRET, customer.id, principal(c).sub);
    const url = `${new URL(c.req.url).origin}/h5/?link=${encodeURIComponent(link)}`;
    return c.json({ url, expiresAt: claims.exp } satisfies H5EntryLink, 201);
  })
  .get("/:id", anyStaff(), async (c) => {
    const customer = await visibleCustomer(c, c.req.param("id"));
    const p = principal(c);
    const rows = await c
      .get("db")
      .select()
      .from(conversations)
      .where(
        and(
          eq(conversations.customerId, customer.id),
          isNotNull(conversations.lastMessageAt),
          seesAllConversations(p.role) ? undefined : eq(conversations.staffId, p.sub),
        ),
      )
      .orderBy(desc(conversations.lastMessageAt))
      .limit(50);
    return c.json({ customer: toProfile(customer), conversations: rows.map((r) => toInboxItem(r, customer)) });
  })
  // PUT for the mini program (wx.request has no PATCH); PATCH stays for the admin. Both take the same partial body.
  .on(["PATCH", "PUT"], "/:id", anyStaff(), async (c) => {
    const customer = await visibleCustomer(c, c.req.param("id"));
    const patch = await readJson(c, customerPatchSchema);
    const [row] = await c.get("db").update(users).set(patch).where(eq(users.id, customer.id)).returning();
    return c.json({ customer: toProfile(row) });
  });
