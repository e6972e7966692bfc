import { eq } from "drizzle-orm";
import { signToken, TOKEN_TTL_MS, type PrincipalRole } from "../../domain/auth/token";
import { customerById, signInWechatCustomer, upsertCustomer } from "../../domain/customers";
import { staff } from "../../domain/db/schema";
import type { Db } from "../../domain/db/client";
import { bumpCustomerSessions, bumpStaffSessions, sessionVersionOf } from "../../domain/auth/session";
import { closeSessions } from "../../rooms/session-room";
import type { Env } from "../../domain/env";
import { router } from "../http/app";
import { anyone, anyStaff, principal } from "../http/auth";
import { ApiError, badRequest, forbidden, notFound } from "../../domain/errors";
import { hashPassword } from "../../domain/auth/password";
import { readJson } from "../http/errors";
import { customerLoginSchema, guestLoginSchema, type LoginResult, passwordChangeSchema, type SocketTicket, staffLoginSchema, staffTotpSetupSchema, staffWechatLoginSchema } from "../../protocol";
import { passwordSignIn, passwordVerified, wechatSignIn } from "../http/staff-login";
import { staffById, totpSetup } from "./admin/staff";
import { wechatClient, wechatFailure } from "../../domain/wechat/env";

/** A login token carrying the account's current session version (`ver`, domain/auth/session.ts). */
export async function issue(env: Env, db: Db, id: string, role: PrincipalRole): Promise<LoginResult> {
  const expiresAt = Date.now() + (role === "customer" ? TOKEN_TTL_MS.customer : TOKEN_TTL_MS.staff);
  const ver = await sessionVersionOf(db, role, id);
  return { token: await signToken(env.TOKEN_SECRET, { sub: id, role, exp: expiresAt, ver }), expiresAt, role, id };
}

async function sessionOf(env: Env, code: string) {
  try {
    return await wechatClient(env).code2session(code);
  } catch (error) {
    throw wechatFailure(error);
  }
}

const openidOf = async (env: Env, code: string) => (await sessionOf(env, code)).openid;

export const authRoutes = router()
  .post("/customer", async (c) => {
    const { code } = await readJson(c, customerLoginSchema);
    const session = await sessionOf(c.env, code);
    const user = await signInWechatCustomer(c.get("db"), session.openid, session.unionid ?? null);
    return c.json(await issue(c.env, c.get("db"), user.id, "customer"));
  })
  .post("/guest", async (c) => {
    if (c.env.ALLOW_GUEST !== "true") throw forbidden("访客登录未开启");
    const { deviceId } = await readJson(c, guestLoginSchema);
    const user = await upsertCustomer(c.get("db"), `guest:${deviceId}`, null);
    return c.json(await issue(c.env, c.get("db"), user.id, "customer"));
  })
  .post("/staff", async (c) => {
    const row = await passwordSignIn(c.env, c.get("db"), await readJson(c, staffLoginSchema));
    return c.json({ ...(await issue(c.env, c.get("db"), row.id, row.role)), name: row.name });
  })
  // A secret to enrol with, for an account that must have TOTP and has none yet (nothing is stored until a login confirms it).
  .post("/staff/totp/setup", async (c) => {
    const row = await passwordVerified(c.env, c.get("db"), await readJson(c, staffTotpSetupSchema));
    if (row.totpEnabled) throw new ApiError("conflict", "已启用动态验证码，请直接登录");
    return c.json(totpSetup(row.code));
  })
  // WeChat binding: a staff member who bound their WeChat logs in with a wx.login code (and their TOTP code).
  .post("/staff/wechat", async (c) => {
    const { code, totp } = await readJson(c, staffWechatLoginSchema);
    const openid = await openidOf(c.env, code);
    const [found] = await c.get("db").select().from(staff).where(eq(staff.wechatOpenid, openid)).limit(1);
    if (!found) throw notFound("该微信未绑定客服账号，请先用工号登录后绑定");
    const row = await wechatSignIn(c.env, c.get("db"), found, totp);
    return c.json({ ...(await issue(c.env, c.get("db"), row.id, row.role)), name: row.name });
  })
  .post("/staff/wechat/bind", anyStaff(), async (c) => {
    const { code } = await readJson(c, customerLoginSchema);
    const openid = await openidOf(c.env, code);
    const db = c.get("db");
    const [holder] = await db.select({ id: staff.id }).from(staff).where(eq(staff.wechatOpenid, openid)).limit(1);
    if (holder && holder.id !== principal(c).sub) throw new ApiError("conflict", "该微信已绑定其他客服账号");
    await db.update(staff).set({ wechatOpenid: openid }).where(eq(staff.id, principal(c).sub));
    return c.json({ bound: true });
  })
  .delete("/staff/wechat/bind", anyStaff(), async (c) => {
    await c.get("db").update(staff).set({ wechatOpenid: null }).where(eq(staff.id, principal(c).sub));
    return c.json({ bound: false });
  })
  // A staff member's own password: the current one is checked like a login's (failures count
  // towards the lockout), and the change ends every session of the account, this one included.
  .post("/staff/password", anyStaff(), async (c) => {
    const { currentPassword, newPassword } = await readJson(c, passwordChangeSchema);
    const db = c.get("db");
    const row = await staffById(db, principal(c).sub);
    await passwordVerified(c.env, db, { code: row.code, password: currentPassword }).catch((error: unknown) => {
      // Not a 401: the session is fine, only the password typed is not.
      throw error instanceof ApiError && error.code === "unauthorized" ? badRequest("当前密码不正确") : error;
    });
    if (newPassword === currentPassword) throw badRequest("新密码不能与当前密码相同");
    await db.update(staff).set({ passwordHash: await hashPassword(newPassword) }).where(eq(staff.id, row.id));
    await closeSessions(c.env, await bumpStaffSessions(db, [row.id]));
    return c.json({ ok: true });
  })
  // Signing out ends every session of the account (all devices) and closes its sockets.
  .post("/logout", anyone(), async (c) => {
    const p = principal(c);
    const db = c.get("db");
    await closeSessions(c.env, p.role === "customer" ? await bumpCustomerSessions(db, p.sub) : await bumpStaffSessions(db, [p.sub]));
    return c.json({ ok: true });
  })
  // A socket ticket: a socket URL carries this minute-long credential, not the login token.
  .post("/ticket", anyone(), async (c) => {
    const p = principal(c);
    const expiresAt = Date.now() + TOKEN_TTL_MS.socket;
    const ticket = await signToken(c.env.TOKEN_SECRET, { sub: p.sub, role: p.role, exp: expiresAt, ver: p.ver, use: "socket" });
    return c.json({ ticket, expiresAt } satisfies SocketTicket);
  })
  .get("/me", anyone(), async (c) => {
    const p = principal(c);
    const db = c.get("db");
    if (p.role === "customer") {
      const user = await customerById(db, p.sub);
      if (!user) throw notFound("用户不存在");
      return c.json({ role: p.role, id: user.id, nickname: user.nickname, avatar: user.avatar });
    }
    const [row] = await db.select().from(staff).where(eq(staff.id, p.sub)).limit(1);
    if (!row) throw notFound("账号不存在");
    return c.json({ role: row.role, id: row.id, code: row.code, name: row.name, avatar: row.avatar, status: row.status, wechatBound: row.wechatOpenid !== null });
  });
