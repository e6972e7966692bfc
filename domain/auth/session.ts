// The revocable session model. Every token carries its account's session version (`ver`); a
// request or socket upgrade is good only while the account still has that version. Raising the
// version (disable, role change, password reset, "TOTP for everyone") revokes every token issued
// before; the Worker then closes the account's open sockets (rooms/session-room.ts).
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { staff, users } from "../db/schema";
import type { Principal, PrincipalRole } from "./token";

/** `staff:<id>` or `customer:<id>`: the same tag rooms give an identity's sockets. */
export type IdentityKey = `${"staff" | "customer"}:${string}`;

export const identityKey = (p: Pick<Principal, "sub" | "role">): IdentityKey => `${p.role === "customer" ? "customer" : "staff"}:${p.sub}`;

/** The account's current role if the token's session is still valid, else null (disabled, revoked, gone). */
export async function currentRole(db: Db, p: Principal): Promise<PrincipalRole | null> {
  if (p.role === "customer") {
    const [row] = await db.select({ ver: users.sessionVersion }).from(users).where(eq(users.id, p.sub)).limit(1);
    return row && row.ver === p.ver ? "customer" : null;
  }
  const [row] = await db
    .select({ role: staff.role, disabled: staff.disabled, ver: staff.sessionVersion })
    .from(staff)
    .where(eq(staff.id, p.sub))
    .limit(1);
  return row && !row.disabled && row.ver === p.ver ? row.role : null;
}

/** An identity whose sessions below `version` were just revoked. */
export type Revoked = { identity: IdentityKey; version: number };

const staffRevoked = (rows: { id: string; ver: number }[]): Revoked[] => rows.map((r) => ({ identity: `staff:${r.id}`, version: r.ver }));

/** Revokes every session of these staff accounts. */
export async function bumpStaffSessions(db: Db, ids: string[]): Promise<Revoked[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .update(staff)
    .set({ sessionVersion: sql`${staff.sessionVersion} + 1` })
    .where(inArray(staff.id, ids))
    .returning({ id: staff.id, ver: staff.sessionVersion });
  return staffRevoked(rows);
}

/** "TOTP for everyone": sessions opened without a TOTP code end. */
export async function bumpStaffWithoutTotp(db: Db): Promise<Revoked[]> {
  const rows = await db
    .update(staff)
    .set({ sessionVersion: sql`${staff.sessionVersion} + 1` })
    .where(and(eq(staff.totpEnabled, false), eq(staff.disabled, false)))
    .returning({ id: staff.id, ver: staff.sessionVersion });
  return staffRevoked(rows);
}

export async function bumpCustomerSessions(db: Db, id: string): Promise<Revoked[]> {
  const rows = await db
    .update(users)
    .set({ sessionVersion: sql`${users.sessionVersion} + 1` })
    .where(eq(users.id, id))
    .returning({ ver: users.sessionVersion });
  return rows.map((r) => ({ identity: `customer:${id}`, version: r.ver }));
}

/** The version a new token of this account carries. */
export async function sessionVersionOf(db: Db, role: PrincipalRole, id: string): Promise<number> {
  const table = role === "customer" ? users : staff;
  const [row] = await db.select({ ver: table.sessionVersion }).from(table).where(eq(table.id, id)).limit(1);
  return row?.ver ?? 0;
}
