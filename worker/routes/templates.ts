import { and, asc, eq } from "drizzle-orm";
import { templates } from "../../domain/db/schema";
import { router } from "../http/app";
import { anyStaff } from "../http/auth";
import { parseOr400 } from "../../domain/errors";
import { type Template, templateKindSchema } from "../../protocol";

export function toTemplate(row: typeof templates.$inferSelect): Template {
  return { id: row.id, kind: row.kind, title: row.title, content: row.content, config: row.config, enabled: row.enabled, sort: row.sort };
}

/** Enabled templates of one kind, for staff (quick replies in the chat). */
export const templateRoutes = router().get("/", anyStaff(), async (c) => {
  const kind = parseOr400(templateKindSchema, c.req.query("kind") ?? "quick_reply");
  const rows = await c
    .get("db")
    .select()
    .from(templates)
    .where(and(eq(templates.kind, kind), eq(templates.enabled, true)))
    .orderBy(asc(templates.sort), asc(templates.createdAt));
  return c.json({ templates: rows.map(toTemplate) });
});
