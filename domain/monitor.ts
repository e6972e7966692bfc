// Current load and presence of the staff, for the live monitor (MonitorRoom) and the staff list.
import { and, asc, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { conversations, staff } from "./db/schema";
import type { MonitorEntry } from "../protocol";

/**
 * A conversation that holds load: open (pending or active) and started (rule 6.3: a conversation
 * starts at the customer's first message); visits hold no capacity. The one load figure:
 * assignment (also inside its claim), the monitor's 当前接待 and the staff list all count it.
 */
export const holdsLoad = and(inArray(conversations.status, ["pending", "active"]), isNotNull(conversations.startedAt));

/** Conversations holding load per staff member; staff without any are absent. */
export async function currentLoads(db: Db, staffIds?: string[]): Promise<Map<string, number>> {
  if (staffIds && staffIds.length === 0) return new Map();
  const rows = await db
    .select({ staffId: conversations.staffId, load: sql<number>`count(*)` })
    .from(conversations)
    .where(and(holdsLoad, staffIds ? inArray(conversations.staffId, staffIds) : undefined))
    .groupBy(conversations.staffId);
  return new Map(rows.map((r) => [r.staffId, Number(r.load)]));
}

type StaffRow = typeof staff.$inferSelect;

export function monitorEntry(s: StaffRow, load: number): MonitorEntry {
  return { staffId: s.id, code: s.code, name: s.name, role: s.role, groupId: s.groupId, presence: s.presence, load };
}

/** Every enabled staff member with presence and load, by code. */
export async function monitorSnapshot(db: Db): Promise<MonitorEntry[]> {
  const rows = await db.select().from(staff).where(eq(staff.disabled, false)).orderBy(asc(staff.code));
  const loads = await currentLoads(db);
  return rows.map((s) => monitorEntry(s, loads.get(s.id) ?? 0));
}

/** One staff member's monitor entry, or null when the account is gone or disabled. */
export async function monitorEntryOf(db: Db, staffId: string): Promise<MonitorEntry | null> {
  const [row] = await db.select().from(staff).where(eq(staff.id, staffId)).limit(1);
  if (!row || row.disabled) return null;
  const loads = await currentLoads(db, [staffId]);
  return monitorEntry(row, loads.get(staffId) ?? 0);
}
