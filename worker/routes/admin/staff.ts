// Staff accounts (F009): list with presence and load for supervisors; create, edit, disable,
// reset password and TOTP for admins.
import { asc, eq } from "drizzle-orm";
import type { Context } from "hono";
import { notifyMonitor } from "../../../rooms/monitor-room";
import { closeSessions } from "../../../rooms/session-room";
import { bumpStaffSessions } from "../../../domain/auth/session";
import { hashPassword } from "../../../domain/auth/password";
import { newTotpSecret, totpUri, verifyTotp } from "../../../domain/auth/totp";
import { sealTotpSecret } from "../../../domain/auth/totp-secret";
import type { Db } from "../../../domain/db/client";
import { staff, staffGroups } from "../../../domain/db/schema";
import { type AppEnv, router } from "../../http/app";
import { principal, requireRole } from "../../http/auth";
import { ApiError, badRequest, notFound } from "../../../domain/errors";
import { readJson } from "../../http/errors";
import { currentLoads } from "../../../domain/monitor";
import {
  type AdminStaff,
  passwordResetSchema,
  staffCreateSchema,
  staffPatchSchema,
  totpEnableSchema,
  type Role,
} from "../../../protocol";
import { loadSettings } from "../../../domain/settings";

type StaffRow = typeof staff.$inferSelect;

export function toAdminStaff(s: StaffRow, load: number): AdminStaff {
  return {
    id: s.id,
    code: s.code,
    name: s.name,
    avatar: s.avatar,
    department: s.department,
    specialty: s.specialty,
    role: s.role,
    groupId: s.groupId,
    isDefault: s.isDefault,
    isOnDuty: s.isOnDuty,
    disabled: s.disabled,
    presence: s.presence,
    totpEnabled: s.totpEnabled,
    load,
    createdAt: s.createdAt,
  };
}

export async function staffById(db: Db, id: string): Promise<StaffRow> {
  const [row] = await db.select().from(staff).where(eq(staff.id, id)).limit(1);
  if (!row) throw notFound("客服不存在");
  return row;
}

async function requireGroup(db: Db, groupId: string | null | undefined) {
  if (!groupId) return;
  const [group] = await db.select({ id: staffGroups.id }).from(staffGroups).where(eq(staffGroups.id, groupId)).limit(1);
  if (!group) throw badRequest("groupId: 分组不存在");
}

const withLoad = async (db: Db, row: StaffRow) => toAdminStaff(row, (await currentLoads(db, [row.id])).get(row.id) ?? 0);

/** Ends every session of the account now: its tokens stop working and its sockets close. */
const revokeStaff = async (c: Context<AppEnv>, staffId: string) => closeSessions(c.env, await bumpStaffSessions(c.get("db"), [staffId]));

/** Lets the live monitor pick up an account change after the response is sent. */
const tellMonitor = (c: Context<AppEnv>, staffId: string) => c.executionCtx.waitUntil(notifyMonitor(c.env, staffId));

// ---------- TOTP, for one's own account and (admins) for anyone's ----------

export function totpSetup(code: string) {
  const secret = newTotpSecret();
  return { secret, uri: totpUri(secret, code) };
}

export async function enableTotp(c: Context<AppEnv>, row: StaffRow) {
  const body = await readJson(c, totpEnableSchema);
  if (!verifyTotp(body.secret, body.code)) throw badRequest("动态码不正确，请核对手机上的验证器后重试");
  const sealed = await sealTotpSecret(c.env.TOKEN_SECRET, body.secret);
  await c.get("db").update(staff).set({ totpSecret: sealed, totpEnabled: true, totpLastStep: 0 }).where(eq(staff.id, row.id));
  // An admin turning TOTP on for someone else ends the sessions that account opened without a
  // code (as "TOTP for everyone" does); enrolling oneself keeps the session that just proved it.
  if (row.id !== principal(c).sub) await revokeStaff(c, row.id);
  return c.json({ totpEnabled: true });
}

export async function disableTotp(c: Context<AppEnv>, row: StaffRow) {
  if ((await loadSettings(c.get("db"))).requireTotp) throw badRequest("系统要求所有账号启用动态验证码，不能关闭");
  await c.get("db").update(staff).set({ totpSecret: null, totpEnabled: false }).where(eq(staff.id, row.id));
  return c.json({ totpEnabled: false });
}

function guardSelf(c: Context<AppEnv>, id: string, patch: { disabled?: boolean; role?: Role }) {
  if (principal(c).sub !== id) return;
  if (patch.disabled) throw badRequest("不能停用自己的账号");
  if (patch.role && patch.role !== "admin") throw badRequest("不能取消自己的管理员角色");
}

const admin = () => requireRole("admin");

export const staffAdminRoutes = router()
  .get("/", async (c) => {
    const db = c.get("db");
    const [rows, loads] = await Promise.all([db.select().from(staff).orderBy(asc(staff.code)), currentLoads(db)]);
    return c.json({ staff: rows.map((s) => toAdminStaff(s, loads.get(s.id) ?? 0)) });
  })
  .post("/", admin(), async (c) => {
    const db = c.get("db");
    const body = await readJson(c, staffCreateSchema);
    await requireGroup(db, body.groupId);
    const [taken] = await db.select({ id: staff.id }).from(staff).where(eq(staff.code, body.code)).limit(1);
    if (taken) throw new ApiError("conflict", `工号 ${body.code} 已存在`);
    const { password, ...fields } = body;
    const [row] = await db
      .insert(staff)
      .values({ ...fields, id: `s_${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`, passwordHash: await hashPassword(password), createdAt: Date.now() })
      .returning();
    tellMonitor(c, row.id);
    return c.json({ staff: toAdminStaff(row, 0) }, 201);
  })
  .patch("/:id", admin(), async (c) => {
    const db = c.get("db");
    const row = await staffById(db, c.req.param("id"));
    const patch = await readJson(c, staffPatchSchema);
    guardSelf(c, row.id, patch);
    await requireGroup(db, patch.groupId);
    const [updated] = Object.keys(patch).length > 0 ? await db.update(staff).set(patch).where(eq(staff.id, row.id)).returning() : [row];
    // Disabling or a new role ends the account's sessions: its tokens and its open sockets.
    if ((updated.disabled && !row.disabled) || updated.role !== row.role) await revokeStaff(c, row.id);
    tellMonitor(c, row.id);
    return c.json({ staff: await withLoad(db, updated) });
  })
  .post("/:id/password", admin(), async (c) => {
    const row = await staffById(c.get("db"), c.req.param("id"));
    const { password } = await readJson(c, passwordResetSchema);
    await c.get("db").update(staff).set({ passwordHash: await hashPassword(password) }).where(eq(staff.id, row.id));
    await revokeStaff(c, row.id);
    return c.json({ ok: true });
  })
  .post("/:id/totp/setup", admin(), async (c) => c.json(totpSetup((await staffById(c.get("db"), c.req.param("id"))).code)))
  .post("/:id/totp", admin(), async (c) => enableTotp(c, await staffById(c.get("db"), c.req.param("id"))))
  .delete("/:id/totp", admin(), async (c) => disableTotp(c, await staffById(c.get("db"), c.req.param("id"))));

/** The signed-in supervisor's or admin's own account: TOTP setup. */
export const accountRoutes = router()
  .get("/", async (c) => c.json({ staff: await withLoad(c.get("db"), await staffById(c.get("db"), principal(c).sub)) }))
  .post("/totp/setup", async (c) => c.json(totpSetup((await staffById(c.get("db"), principal(c).sub)).code)))
  .post("/totp", async (c) => enableTotp(c, await staffById(c.get("db"), principal(c).sub)))
  .delete("/totp", async (c) => disableTotp(c, await staffById(c.get("db"), principal(c).sub)));
