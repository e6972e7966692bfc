// System settings (F014): validated, stored in D1, cached briefly so changes apply without a restart.
import { z } from "zod";
import type { Db } from "./db/client";
import { type SQL, sql } from "drizzle-orm";
import { conversations, settings as settingsTable } from "./db/schema";
import { isolateCache } from "./isolate-cache";

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "时间格式应为 HH:MM");

const workingHoursSchema = z
  .object({
    enabled: z.boolean(),
    start: hhmm,
    end: hhmm,
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).max(7),
    /** Minutes east of UTC; China is +480. */
    utcOffsetMinutes: z.number().int().min(-720).max(840),
  })
  .strict();

const fields = {
  assignmentRule: z.enum(["exclusive_first", "least_load"]),
  workingHours: workingHoursSchema,
  pushPerHour: z.number().int("推送上限须为整数").min(0, "推送上限不能为负数").max(100, "推送上限每小时最多 100 条"),
  uploadMaxBytes: z.number().int().min(1024, "上传上限不能小于 1 KB").max(100 * 1024 * 1024, "上传上限不能超过 100 MB"),
  sessionTimeoutSeconds: z.number().int().min(1, "会话超时至少 1 秒").max(30 * 24 * 3600, "会话超时最长 30 天"),
  /** A visit (an entry without any customer message) is dropped this long after its last activity. */
  visitTimeoutSeconds: z.number().int().min(1, "访问超时至少 1 秒").max(24 * 3600, "访问超时最长 24 小时"),
  retentionDays: z.number().int().min(1).max(3650),
  /** Every staff account must sign in with a TOTP code (admins set one up for those without). */
  requireTotp: z.boolean(),
};

export const settingsSchema = z.object(fields);
export type Settings = z.infer<typeof settingsSchema>;
export const settingsPatchSchema = z.object(fields).partial().strict();

export const DEFAULT_SETTINGS: Settings = {
  assignmentRule: "exclusive_first",
  workingHours: { enabled: true, start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5], utcOffsetMinutes: 480 },
  pushPerHour: 3,
  uploadMaxBytes: 10 * 1024 * 1024,
  sessionTimeoutSeconds: 24 * 3600,
  visitTimeoutSeconds: 30 * 60,
  retentionDays: 183,
  requireTotp: false,
};

const settingsCache = isolateCache(2000, async (db) => {
  const rows = await db.select().from(settingsTable);
  const value: Settings = { ...DEFAULT_SETTINGS };
  for (const row of rows) {
    // A stored value that no longer validates keeps its default rather than breaking entry.
    const parsed = settingsPatchSchema.safeParse({ [row.key]: row.value });
    if (parsed.success) Object.assign(value, parsed.data);
  }
  return value;
});

type TimeoutSettings = Pick<Settings, "sessionTimeoutSeconds" | "visitTimeoutSeconds">;

/** A visit times out after the shorter of the two timeouts. */
const timeoutsMs = (s: TimeoutSettings) => ({
  conversation: s.sessionTimeoutSeconds * 1000,
  visit: Math.min(s.visitTimeoutSeconds, s.sessionTimeoutSeconds) * 1000,
});

/**
 * Rule 6.3: a conversation (started by the customer's first message) ends `sessionTimeoutSeconds`
 * after its last message; a visit (no customer message yet) ends `visitTimeoutSeconds` after it was
 * opened or last touched.
 */
export function idleDeadline(
  row: { lastMessageAt: number | null; createdAt: number; startedAt: number | null },
  settings: TimeoutSettings,
): number {
  const ms = timeoutsMs(settings);
  return (row.lastMessageAt ?? row.createdAt) + (row.startedAt === null ? ms.visit : ms.conversation);
}

/** `idleDeadline(row) <= now` in SQL, for the sweep. */
export function idleBy(settings: TimeoutSettings, now: number): SQL {
  const ms = timeoutsMs(settings);
  return sql`coalesce(${conversations.lastMessageAt}, ${conversations.createdAt}) <= case when ${conversations.startedAt} is null then ${now - ms.visit} else ${now - ms.conversation} end`;
}

export function loadSettings(db: Db, now = Date.now()): Promise<Settings> {
  return settingsCache.get(db, now);
}

export async function saveSettings(db: Db, patch: z.infer<typeof settingsPatchSchema>, now = Date.now()): Promise<Settings> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  for (const [key, value] of entries) {
    await db
      .insert(settingsTable)
      .values({ key, value, updatedAt: now })
      .onConflictDoUpdate({ target: settingsTable.key, set: { value, updatedAt: now } });
  }
  settingsCache.clear();
  return loadSettings(db, now);
}

/** Whether `now` falls inside the configured working hours. */
export function isWorkingTime(hours: Settings["workingHours"], now = Date.now()): boolean {
  if (!hours.enabled) return true;
  const local = new Date(now + hours.utcOffsetMinutes * 60_000);
  const isoDay = local.getUTCDay() === 0 ? 7 : local.getUTCDay();
  if (!hours.days.includes(isoDay)) return false;
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const [sh, sm] = hours.start.split(":").map(Number);
  const [eh, em] = hours.end.split(":").map(Number);
  const start = sh * 60 + sm;
  const end = eh * 60 + em;
  // A window like 22:00–06:00 wraps past midnight.
  return start <= end ? minutes >= start && minutes < end : minutes >= start || minutes < end;
}
