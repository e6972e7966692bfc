// Staff groups (F009): supervisors list them, admins edit them.
import { asc, eq, sql } from "drizzle-orm";
import { staff, staffGroups } from "../../../domain/db/schema";
import { router } from "../../http/app";
import { requireRole } from "../../http/auth";
import { notFound } from "../../../domain/errors";
import { readJson } from "../../http/errors";
import { type Group, groupBodySchema } from "../../../protocol";

export const groupRoutes = router()
  .get("/", async (c) => {
    const rows = await c
      .get("db")
      .select({ id: staffGroups.id, name: staffGroups.name, createdAt: staffGroups.createdAt, members: sql<number>`count(${staff.id})` })
      .from(staffGroups)
      .leftJoin(staff, eq(staff.groupId, staffGroups.id))
      .groupBy(staffGroups.id)
      .orderBy(asc(staffGroups.createdAt));
    return c.json({ groups: rows.map((r): Group => ({ ...r, members: Number(r.members) })) });
  })
  .post("/", requireRole("admin"), async (c) => {
    const { name } = await readJson(c, groupBodySchema);
    const [row] = await c
      .get("db")
      .insert(staffGroups)
      .values({ id: `g_${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`, name, createdAt: Date.now() })
      .returning();
    return c.json({ group: { ...row, members: 0 } satisfies Group }, 201);
  })
  .patch("/:id", requireRole("admin"), async (c) => {
    const { name } = await readJson(c, groupBodySchema);
    const [row] = await c.get("db").update(staffGroups).set({ name }).where(eq(staffGroups.id, c.req.param("id"))).returning();
    if (!row) throw notFound("分组不存在");
    return c.json({ group: row });
  })
  .delete("/:id", requireRole("admin"), async (c) => {
    const db = c.get("db");
    const id = c.req.param("id");
    const [row] = await db.delete(staffGroups).where(eq(staffGroups.id, id)).returning();
    if (!row) throw notFound("分组不存在");
    // Members stay, ungrouped.
    await db.update(staff).set({ groupId: null }).where(eq(staff.groupId, id));
    return c.json({ ok: true });
  });
