// Who takes a new conversation (seed rules 6.1):
// outside working hours the on-duty staff; otherwise the exclusive staff (by scene or the
// customer's binding) when reachable; else the default staff with the least current load.
import { eq, sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { conversations, staff } from "./db/schema";
import { currentLoads, holdsLoad } from "./monitor";
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

/** Pools balanced by load (rule 6.1), with how their members rank by presence, as pickStaff ranks them. */
const BALANCED_POOLS = {
  default: { member: "s.is_default", rank: "CASE s.presence WHEN 'online' THEN 0 WHEN 'busy' THEN 1 ELSE 2 END" },
  on_duty: { member: "s.is_on_duty", rank: "CASE s.presence WHEN 'offline' THEN 1 ELSE 0 END" },
} as const;

/** Later than every earlier claim, even within one millisecond, so equals rotate strictly. */
const nextClaimAt = (now: number) => sql`max(${now}, (SELECT max(${staff.lastAssignedAt}) FROM ${staff}) + 1)`;

/**
 * Claims the least loaded member of a pool in one statement: the choice is made again when the
 * statement runs, and D1 runs one at a time, so each of many entries arriving together sees the
 * claims before it (the newest claim ranks last among equals).
 */
async function claimLeastLoaded(db: Db, pool: keyof typeof BALANCED_POOLS, now: number): Promise<StaffRow | undefined> {
  const { member, rank } = BALANCED_POOLS[pool];
  const [claimed] = await db
    .update(staff)
    .set({ lastAssignedAt: nextClaimAt(now) })
    .where(
      sql`${staff.id} = (SELECT s.id FROM staff s WHERE s.disabled = 0 AND ${sql.raw(member)} = 1
        ORDER BY ${sql.raw(rank)},
          (SELECT count(*) FROM ${conversations} WHERE ${conversations.staffId} = s.id AND ${holdsLoad}),
          s.last_assigned_at, s.code
        LIMIT 1)`,
    )
    .returning();
  return claimed;
}

/**
 * Chooses and claims the staff member for a new conversation. Balancing by load alone would let
 * entries that arrive together all read the same loads and pile onto one staff member (a new
 * conversation holds no load until its first message); so a choice within a balanced pool is
 * made again by the claim itself, which also marks the one chosen as the most recently assigned.
 */
export async function assignStaff(db: Db, settings: Settings, opts: AssignmentRequest & { now: number }): Promise<Assignment | null> {
  const assignment = await chooseStaff(db, settings, opts);
  if (!assignment) return null;
  if (assignment.reason === "default" || assignment.reason === "on_duty") {
    const claimed = await claimLeastLoaded(db, assignment.reason, opts.now);
    // None: the pool emptied since it was read (staff disabled); the choice read stands.
    return claimed ? { ...assignment, staff: claimed } : assignment;
  }
  await db.update(staff).set({ lastAssignedAt: nextClaimAt(opts.now) }).where(eq(staff.id, assignment.staff.id));
  return assignment;
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
