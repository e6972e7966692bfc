// System settings (F014; schema in protocol/settings.ts): stored in D1, cached briefly so changes apply without a restart.
import { DEFAULT_SETTINGS, type Settings, type SettingsPatch, settingsPatchSchema } from "../protocol";
import type { Db } from "./db/client";
import { type SQL, sql } from "drizzle-orm";
import { conversations, settings as settingsTable } from "./db/schema";
import { isolateCache } from "./isolate-cache";

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

export async function saveSettings(db: Db, patch: SettingsPatch, now = Date.now()): Promise<Settings> {
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

export { DEFAULT_SETTINGS, type Settings, settingsPatchSchema };
