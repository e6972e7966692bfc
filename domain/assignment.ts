// Who takes a new conversation (seed rules 6.1):
// outside working hours the on-duty staff; otherwise the exclusive staff (by scene or the
// customer's binding) when reachable; else the default staff with the least current load.
import { eq } from "drizzle-orm";
import type { Db } from "./db/client";
import { staff } from "./db/schema";
import { currentLoads } from "./monitor";
import { isWorkingTime, type Settings } from "./settings";

export type StaffRow = typeof staff.$inferSelect;
export type Assignment = { staff: StaffRow; source: "qr" | "direct"; reason: AssignmentReason };
export type AssignmentReason = "exclusive" | "default" | "on_duty" | "fallback";

export type Candidate = StaffRow & { load: number };

/** Least load first; among equals, the one assigned longest ago, then by code for determinism. */
function leastLoaded(candidates: Candidate[]): Candidate | undefined {
  return [...candidates].sort((a, b) => a.load - b.load || a.lastAssignedAt - b.lastAssignedAt || a.code.localeCompare(b.code))[0];
}

const reachable = (s: StaffRow) => !s.disabled && s.presence !== "offline";

export type AssignmentRequest = { exclusiveCode?: string; exclusiveStaffId?: string | null; now?: number };

/** The choice itself, over the enabled staff with their current loads. */
export function pickStaff(active: Candidate[], settings: Settings, opts: AssignmentRequest): Assignment | null {
  const now = opts.now ?? Date.now();
  const exclusive = active.find((s) => (opts.exclusiveCode ? s.code === opts.exclusiveCode : s.id === opts.exclusiveStaffId));
  const source = opts.exclusiveCode && exclusive ? "qr" : "direct";

  if (!isWorkingTime(settings.workingHours, now)) {
    const onDuty = active.filter((s) => s.isOnDuty);
    const pick = leastLoaded(onDuty.filter(reachable)) ?? leastLoaded(onDuty);
    if (pick) return { staff: pick, source, reason: "on_duty" };
  }

  if (settings.assignmentRule === "exclusive_first" && exclusive && reachable(exclusive)) {
    return { staff: exclusive, source, reason: "exclusive" };
  }

  const defaults = active.filter((s) => s.isDefault);
  // Prefer staff who are online and not busy; then busy ones; when nobody is connected,
  // still assign (the message waits in that staff member's inbox) rather than refuse the customer.
  const pick =
    leastLoaded(defaults.filter((s) => s.presence === "online")) ??
    leastLoaded(defaults.filter((s) => s.presence === "busy")) ??
    leastLoaded(defaults);
  if (pick) return { staff: pick, source, reason: "default" };
  if (exclusive) return { staff: exclusive, source, reason: "fallback" };
  const anyone = leastLoaded(active.filter((s) => s.role !== "admin"));
  return anyone ? { staff: anyone, source, reason: "fallback" } : null;
}

export async function chooseStaff(db: Db, settings: Settings, opts: AssignmentRequest): Promise<Assignment | null> {
  const active = await db.select().from(staff).where(eq(staff.disabled, false));
  const load = await currentLoads(db, active.map((s) => s.id));
  return pickStaff(
    active.map((s) => ({ ...s, load: load.get(s.id) ?? 0 })),
    settings,
    opts,
  );
}

/**
 * Rule 6.1 for a customer who scans an exclusive code while a conversation with someone else is
 * open: it moves to the scanned staff member when the rules would give them a new customer with
 * this scene (online, or by the fallback rules); otherwise it stays where it is.
 */
export async function takesOverByScene(db: Db, settings: Settings, servingStaffId: string, exclusive: StaffRow, now: number): Promise<boolean> {
  if (servingStaffId === exclusive.id) return false;
  const pick = await chooseStaff(db, settings, { exclusiveCode: exclusive.code, now });
  return pick?.staff.id === exclusive.id;
}
