// Which subscribe-message template carries staff replies, and how its data is filled.
// An enabled `push` template configured in the admin wins; else WECHAT_REPLY_TEMPLATE_ID.
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { templates } from "../db/schema";
import type { Env } from "../env";
import { pushTemplateConfigSchema } from "../../protocol";

export interface ReplyTemplate {
  templateId: string;
  /** WeChat data keys of the sender's name, the summary and the time. */
  fields: { sender: string; summary: string; time: string };
}

/** Keys of the default template (TPL_REPLY): 回复人 thing1, 回复内容 thing2, 回复时间 time3. */
export const DEFAULT_REPLY_FIELDS: ReplyTemplate["fields"] = { sender: "thing1", summary: "thing2", time: "time3" };

export async function replyTemplate(env: Pick<Env, "WECHAT_REPLY_TEMPLATE_ID">, db: Db): Promise<ReplyTemplate> {
  const rows = await db
    .select({ id: templates.id, config: templates.config })
    .from(templates)
    .where(and(eq(templates.kind, "push"), eq(templates.enabled, true)))
    .orderBy(asc(templates.sort), asc(templates.createdAt));
  for (const row of rows) {
    const parsed = pushTemplateConfigSchema.safeParse(row.config);
    if (parsed.success) return { templateId: parsed.data.templateId, fields: { ...DEFAULT_REPLY_FIELDS, ...parsed.data.fields } };
    console.warn(`push template ${row.id} has an invalid config, skipped`);
  }
  return { templateId: env.WECHAT_REPLY_TEMPLATE_ID || "TPL_REPLY", fields: DEFAULT_REPLY_FIELDS };
}
