// Templates (F013): quick replies, push templates (WeChat template id + field mapping) and auto
// replies. Supervisors read them; admins edit.
import { and, asc, eq } from "drizzle-orm";
import { templates } from "../../../domain/db/schema";
import { router } from "../../http/app";
import { requireRole } from "../../http/auth";
import { notFound, parseOr400 } from "../../../domain/errors";
import { readJson } from "../../http/errors";
import { templateBodySchema, templateKindSchema } from "../../../protocol";
import { autoReplyTemplates } from "../../../rooms/auto-reply";
import { toTemplate } from "../templates";

export const adminTemplateRoutes = router()
  .get("/", async (c) => {
    const kind = c.req.query("kind") ? parseOr400(templateKindSchema, c.req.query("kind")) : undefined;
    const rows = await c
      .get("db")
      .select()
      .from(templates)
      .where(kind ? eq(templates.kind, kind) : undefined)
      .orderBy(asc(templates.kind), asc(templates.sort), asc(templates.createdAt));
    return c.json({ templates: rows.map(toTemplate) });
  })
  .post("/", requireRole("admin"), async (c) => {
    const body = await readJson(c, templateBodySchema);
    const now = Date.now();
    const [row] = await c
      .get("db")
      .insert(templates)
      .values({ ...body, id: `t_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`, createdAt: now, updatedAt: now })
      .returning();
    autoReplyTemplates.clear();
    return c.json({ template: toTemplate(row) }, 201);
  })
  .put("/:id", requireRole("admin"), async (c) => {
    const body = await readJson(c, templateBodySchema);
    const [row] = await c
      .get("db")
      .update(templates)
      .set({ ...body, updatedAt: Date.now() })
      .where(and(eq(templates.id, c.req.param("id"))))
      .returning();
    if (!row) throw notFound("模板不存在");
    autoReplyTemplates.clear();
    return c.json({ template: toTemplate(row) });
  })
  .delete("/:id", requireRole("admin"), async (c) => {
    const [row] = await c.get("db").delete(templates).where(eq(templates.id, c.req.param("id"))).returning();
    if (!row) throw notFound("模板不存在");
    autoReplyTemplates.clear();
    return c.json({ ok: true });
  });
