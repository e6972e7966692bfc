// The WeChat client configured from the Worker's environment, and how its failures map to HTTP.
import type { Env } from "../env";
import { ApiError } from "../errors";
import { createWechatClient, WechatError } from "./client";

export function wechatClient(env: Pick<Env, "WECHAT_API_BASE" | "WECHAT_APPID" | "WECHAT_SECRET">, timeoutMs?: number) {
  return createWechatClient({ baseUrl: env.WECHAT_API_BASE, appid: env.WECHAT_APPID, secret: env.WECHAT_SECRET, timeoutMs });
}

/** The official account's web authorization (H5 sign-in inside WeChat), or null when not configured. */
export function officialAccount(env: Pick<Env, "WECHAT_API_BASE" | "WECHAT_OA_APPID" | "WECHAT_OA_SECRET" | "WECHAT_OAUTH_BASE" | "WECHAT_OA_SCOPE">) {
  const appid = env.WECHAT_OA_APPID;
  const secret = env.WECHAT_OA_SECRET;
  if (!appid || !secret) return null;
  const scope = env.WECHAT_OA_SCOPE === "snsapi_userinfo" ? "snsapi_userinfo" : "snsapi_base";
  return {
    client: createWechatClient({ baseUrl: env.WECHAT_API_BASE, appid, secret }),
    /** WeChat's authorize page for `redirectUri`; `#wechat_redirect` is part of the documented URL. */
    authorizeUrl(redirectUri: string, state: string): string {
      const url = new URL("/connect/oauth2/authorize", env.WECHAT_OAUTH_BASE || "https://open.weixin.qq.com");
      // WeChat wants the parameters in this order.
      for (const [k, v] of [["appid", appid], ["redirect_uri", redirectUri], ["response_type", "code"], ["scope", scope], ["state", state]]) url.searchParams.set(k, v);
      return `${url}#wechat_redirect`;
    },
  };
}

/**
 * The public origin WeChat downloads customer media from for its content check, or null: without
 * PUBLIC_BASE_URL media checks are off (media-check.ts).
 */
export function mediaCheckBase(env: Pick<Env, "PUBLIC_BASE_URL">): string | null {
  return env.PUBLIC_BASE_URL?.replace(/\/+$/, "") || null;
}

/** Which mini program version subscribe messages and QR codes open (WECHAT_MINIPROGRAM_STATE). */
export function miniprogramState(env: Pick<Env, "WECHAT_MINIPROGRAM_STATE">): "formal" | "trial" | "developer" {
  const state = env.WECHAT_MINIPROGRAM_STATE;
  return state === "trial" || state === "developer" ? state : "formal";
}

const LOGIN_ERRORS: Record<number, ["wechat_error" | "forbidden" | "rate_limited", string]> = {
  40029: ["wechat_error", "登录凭证无效，请重新进入"],
  40163: ["wechat_error", "登录凭证已使用，请重新进入"],
  45011: ["rate_limited", "登录太频繁，请稍后再试"],
  40226: ["forbidden", "账号存在风险，暂时无法登录"],
};

export function wechatFailure(error: unknown): ApiError {
  if (error instanceof WechatError) {
    const [code, message] = LOGIN_ERRORS[error.errcode] ?? ["wechat_error", `微信接口错误（${error.errcode}）`];
    return new ApiError(code, message);
  }
  console.error("wechat unreachable", error);
  return new ApiError("wechat_unavailable", "暂时无法连接微信，请稍后再试");
}
