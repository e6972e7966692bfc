import { eq } from "drizzle-orm";
import { verifyPassword } from "../../domain/auth/password";
import { signToken, TOKEN_TTL_MS, type PrincipalRole } from "../../domain/auth/token";
import { verifyTotp } from "../../domain/auth/totp";
import { customerById, upsertCustomer } from "../../domain/customers";
import { staff } from "../../domain/db/schema";
import { loadSettings } from "../../domain/settings";
import type { Env } from "../../domain/env";
import { router } from "../http/app";
import { anyone, anyStaff, principal, requireRole } from "../http/auth";
import { ApiError, forbidden, notFound } from "../../domain/errors";
import { readJson } from "../http/errors";
import { customerLoginSchema, guestLoginSchema, type LoginResult, staffLoginSchema, staffTotpSetupSchema } from "../../protocol";
import type { Db } from "../../domain/db/client";
import { totpSetup } from "./admin/staff";
import { wechatClient, wechatFailure } from "../../domain/wechat/env";

async function issue(secret: string, id: string, role: PrincipalRole): Promise<LoginResult> {
  const expiresAt = Date.now() + (role === "customer" ? TOKEN_TTL_MS.customer : TOKEN_TTL_MS.staff);
  return { token: await signToken(secret, { sub: id, role, exp: expiresAt }), expiresAt, role, id };
}

/** The staff account whose code and password these are, if enabled. */
async function passwordChecked(db: Db, body: { code: string; password: string }) {
  const [row] = await db.select().from(staff).where(eq(staff.code, body.code)).limit(1);
  const wrong = new ApiError("unauthorized", "工号或密码错误");
  if (!row) throw wrong;
  if (!(await verifyPassword(body.password, row.passwordHash))) throw wrong;
  if (row.disabled) throw forbidden("账号已停用");
  return row;
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
    const user = await upsertCustomer(c.get("db"), session.openid, session.unionid ?? null);
    return c.json(await issue(c.env.TOKEN_SECRET, user.id, "customer"));
  })
  .post("/guest", async (c) => {
    if (c.env.ALLOW_GUEST !== "true") throw forbidden("访客登录未开启");
    const { deviceId } = await readJson(c, guestLoginSchema);
    const user = await upsertCustomer(c.get("db"), `guest:${deviceId}`, null);
    return c.json(await issue(c.env.TOKEN_SECRET, user.id, "customer"));
  })
  .post("/staff", async (c) => {
    const body = await readJson(c, staffLoginSchema);
    const row = await passwordChecked(c.get("db"), body);
    if (!row.totpEnabled && (await loadSettings(c.get("db"))).requireTotp) {
      if (!body.totpSecret || !body.totp) throw new ApiError("totp_setup_required", "系统要求启用动态验证码，请先用验证器绑定后登录");
      // Self-enrolment: the password and a code from the authenticator holding the secret.
      if (!verifyTotp(body.totpSecret, body.totp)) throw new ApiError("unauthorized", "动态验证码错误，请核对验证器后重试");
      await c.get("db").update(staff).set({ totpSecret: body.totpSecret, totpEnabled: true }).where(eq(staff.id, row.id));
    } else if (row.totpEnabled && row.totpSecret) {
      if (!body.totp) throw new ApiError("unauthorized", "请输入动态验证码");
      if (!verifyTotp(row.totpSecret, body.totp)) throw new ApiError("unauthorized", "动态验证码错误");
    }
    return c.json({ ...(await issue(c.env.TOKEN_SECRET, row.id, row.role)), name: row.name });
  })
  // A secret to enrol with, for an account that must have TOTP and has none yet (nothing is stored until the login confirms it).
  .post("/staff/totp/setup", async (c) => {
    const row = await passwordChecked(c.get("db"), await readJson(c, staffTotpSetupSchema));
    if (row.totpEnabled) throw new ApiError("conflict", "已启用动态验证码，请直接登录");
    return c.json(totpSetup(row.code));
  })
  // WeChat binding: a staff member who bound their WeChat logs in with a wx.login code alone.
  .post("/staff/wechat", async (c) => {
    const { code } = await readJson(c, customerLoginSchema);
    const openid = await openidOf(c.env, code);
    const [row] = await c.get("db").select().from(staff).where(eq(staff.wechatOpenid, openid)).limit(1);
    if (!row) throw notFound("该微信未绑定客服账号，请先用工号登录后绑定");
    if (row.disabled) throw forbidden("账号已停用");
    return c.json({ ...(await issue(c.env.TOKEN_SECRET, row.id, row.role)), name: row.name });
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
