// The H5 page's production sign-in, mounted at /api/auth/h5 (so the login rate limits apply):
// WeChat web authorization inside WeChat's browser, and one-time entry links outside it.
// Guest sign-in (/api/auth/guest) stays a dev/test entry. README "Go live on WeChat" → H5 page.
import { and, eq, lt } from "drizzle-orm";
import { signOauthState, verifyEntryLink, verifyOauthState } from "../../domain/auth/h5-entry";
import { customerById, officialAccountKey, signInWechatCustomer } from "../../domain/customers";
import { staff, usedEntryLinks } from "../../domain/db/schema";
import { ApiError, forbidden } from "../../domain/errors";
import { officialAccount, wechatFailure } from "../../domain/wechat/env";
import { type H5LinkLoginResult, type H5WechatStartResult, h5LinkLoginSchema, h5WechatLoginSchema, h5WechatStartSchema } from "../../protocol";
import { router } from "../http/app";
import { readJson } from "../http/errors";
import { clientIp, hit, tooManyRequests } from "../http/rate-limit";
import { issue } from "./auth";

const LINK_REFUSED = "链接无效或已过期，请联系客服重新获取";

function configuredAccount(env: Parameters<typeof officialAccount>[0]) {
  const account = officialAccount(env);
  if (!account) throw forbidden("未开启微信网页授权登录，请在微信小程序中咨询");
  return account;
}

export const h5AuthRoutes = router()
  .post("/wechat/start", async (c) => {
    const { scene } = await readJson(c, h5WechatStartSchema);
    const account = configuredAccount(c.env);
    const state = await signOauthState(c.env.TOKEN_SECRET);
    // Only back to this origin's H5 page: the redirect target is never taken from the request.
    const back = new URL("/h5/", new URL(c.req.url).origin);
    if (scene) back.searchParams.set("scene", scene);
    return c.json({ url: account.authorizeUrl(back.toString(), state), state } satisfies H5WechatStartResult);
  })
  .post("/wechat", async (c) => {
    const { code, state } = await readJson(c, h5WechatLoginSchema);
    const account = configuredAccount(c.env);
    if (!(await verifyOauthState(c.env.TOKEN_SECRET, state))) throw new ApiError("bad_request", "授权已失效，请重新打开页面");
    let user;
    try {
      user = await account.client.oauthAccessToken(code);
    } catch (error) {
      throw wechatFailure(error);
    }
    // A 快照页 (snapshot page) user is virtual: not a person staff could talk to.
    if (user.is_snapshotuser === 1) throw forbidden("请点击页面底部“使用完整服务”后再咨询");
    const row = await signInWechatCustomer(c.get("db"), officialAccountKey(user.openid), user.unionid ?? null);
    return c.json(await issue(c.env, c.get("db"), row.id, "customer"));
  })
  .post("/link", async (c) => {
    const { link } = await readJson(c, h5LinkLoginSchema);
    const verdict = await hit(c.env, "h5_link_ip", clientIp(c.req.raw));
    if (!verdict.allowed) throw tooManyRequests(verdict);
    const claims = await verifyEntryLink(c.env.TOKEN_SECRET, link);
    if (!claims) throw new ApiError("unauthorized", LINK_REFUSED);
    const db = c.get("db");
    const now = Date.now();
    await db.delete(usedEntryLinks).where(lt(usedEntryLinks.expiresAt, now));
    const redeemed = await db
      .insert(usedEntryLinks)
      .values({ jti: claims.jti, customerId: claims.sub, staffId: claims.staff, usedAt: now, expiresAt: claims.exp })
      .onConflictDoNothing()
      .returning({ jti: usedEntryLinks.jti });
    if (redeemed.length === 0) throw new ApiError("conflict", "链接已使用过，请联系客服重新获取");
    const customer = await customerById(db, claims.sub);
    const [host] = await db.select({ code: staff.code }).from(staff).where(and(eq(staff.id, claims.staff), eq(staff.disabled, false))).limit(1);
    if (!customer || !host) throw new ApiError("unauthorized", LINK_REFUSED);
    return c.json({ ...(await issue(c.env, db, customer.id, "customer")), scene: host.code } satisfies H5LinkLoginResult);
  });
