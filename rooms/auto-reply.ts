// Auto replies (F013): an enabled `auto_reply` template answers the first message of a
// conversation (trigger new_conversation) and customers writing outside working hours
// (trigger off_hours, at most once an hour per conversation).
import { and, asc, eq } from "drizzle-orm";
import type { Db } from "../domain/db/client";
import { templates } from "../domain/db/schema";
import { autoReplyConfigSchema } from "../protocol";
import { isolateCache } from "../domain/isolate-cache";
import { isWorkingTime, type Settings } from "../domain/settings";

export type AutoReplyTrigger = "new_conversation" | "off_hours";
export const OFF_HOURS_REPEAT_MS = 3600_000;

/** The enabled auto reply templates in order: read for every customer message outside working hours. */
export const autoReplyTemplates = isolateCache(2000, async (db) => {
  const rows = await db
    .select({ content: templates.content, config: templates.config })
    .from(templates)
    .where(and(eq(templates.kind, "auto_reply"), eq(templates.enabled, true)))
    .orderBy(asc(templates.sort), asc(templates.createdAt));
  return rows.flatMap((row) => {
    const config = autoReplyConfigSchema.safeParse(row.config);
    return config.success ? [{ trigger: config.data.trigger, text: row.content }] : [];
  });
});

export async function autoReplies(
  db: Db,
  settings: Settings,
  at: { now: number; firstMessage: boolean; lastOffHoursReplyAt: number | null },
): Promise<{ trigger: AutoReplyTrigger; text: string }[]> {
  const wanted = new Set<AutoReplyTrigger>();
  if (at.firstMessage) wanted.add("new_conversation");
  const offHours = !isWorkingTime(settings.workingHours, at.now);
  if (offHours && (at.lastOffHoursReplyAt === null || at.now - at.lastOffHoursReplyAt >= OFF_HOURS_REPEAT_MS)) wanted.add("off_hours");
  if (wanted.size === 0) return [];
  const replies: { trigger: AutoReplyTrigger; text: string }[] = [];
  for (const template of await autoReplyTemplates.get(db, at.now)) {
    if (!wanted.has(template.trigger)) continue;
    wanted.delete(template.trigger);
    replies.push({ trigger: template.trigger, text: template.text });
  }
  return replies;
}
