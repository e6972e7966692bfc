// System settings (F014; schema in protocol/settings.ts): stored in D1, cached briefly so changes apply without a restart.
import { DEFAULT_SETTINGS, type Settings, type SettingsPatch, settingsPatchSchema } from "../protocol";
import type { Db } from "./db/client";
import { settings as settingsTable } from "./db/schema";
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

/** Rule 6.3: a conversation ends `sessionTimeoutSeconds` after its last message, or after its start before any. */
export function idleDeadline(row: { lastMessageAt: number | null; createdAt: number }, settings: Pick<Settings, "sessionTimeoutSeconds">): number {
  return (row.lastMessageAt ?? row.createdAt) + settings.sessionTimeoutSeconds * 1000;
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
