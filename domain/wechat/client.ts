// The one WeChat API client. Web-standard only (fetch, URL), so it runs in
// workerd and in Node alike. The base URL is configuration: production uses
// https://api.weixin.qq.com, tests and `npm start` use the local fake
// (fake-wechat/server.ts).
import { z } from "zod";
import { sniffMedia } from "../media-type";

/** Error codes this project handles (from WeChat's public API documentation). */
export const WECHAT_ERRCODES = {
  SYSTEM_BUSY: -1,
  /** access_token invalid (also: wrong secret when fetching a token). */
  INVALID_CREDENTIAL: 40001,
  INVALID_GRANT_TYPE: 40002,
  /** touser / openid empty or wrong. */
  INVALID_OPENID: 40003,
  INVALID_APPID: 40013,
  INVALID_ACCESS_TOKEN: 40014,
  /** js_code invalid (expired or already used). */
  INVALID_CODE: 40029,
  INVALID_TEMPLATE_ID: 40037,
  INVALID_ARGS: 40097,
  INVALID_APPSECRET: 40125,
  /** getwxacodeunlimit: scene has characters outside the allowed set; msg_sec_check: bad scene value. */
  INVALID_SCENE: 40129,
  /** getwxacodeunlimit: scene empty or longer than 32 characters, or the body is not JSON. */
  INVALID_SCENE_LENGTH: 40169,
  /** jscode2session: js_code already used. */
  CODE_USED: 40163,
  /** jscode2session: high-risk user, login blocked. */
  CODE_BLOCKED: 40226,
  ACCESS_TOKEN_MISSING: 41001,
  /** page does not exist in the released mini program (subscribe/send, getwxacodeunlimit). */
  INVALID_PAGE: 41030,
  ACCESS_TOKEN_EXPIRED: 42001,
  /** The user has no subscribe grant left for this template, or refused. */
  NO_SUBSCRIBE_GRANT: 43101,
  /** msg_sec_check: the appid's 4,000 calls of this calendar minute are spent. */
  MINUTE_FREQUENCY: 44991,
  /** The appid's daily quota of this API is spent (days start at midnight in China). */
  DAILY_QUOTA: 45009,
  /** The minute's quota is spent ("retry next minute"); jscode2session: too frequent. */
  TOO_FREQUENT: 45011,
  /** Template data does not satisfy the template's rules (e.g. thing > 20 chars). */
  BAD_TEMPLATE_DATA: 47003,
} as const;

const TOKEN_INVALID_CODES: ReadonlySet<number> = new Set([
  WECHAT_ERRCODES.INVALID_CREDENTIAL,
  WECHAT_ERRCODES.ACCESS_TOKEN_EXPIRED,
  WECHAT_ERRCODES.INVALID_ACCESS_TOKEN,
]);

/** WeChat answered with `errcode != 0`. */
export class WechatError extends Error {
  override readonly name = "WechatError";
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    readonly route: WechatRoute,
  ) {
    super(`WeChat ${route} failed: ${errcode} ${errmsg}`);
  }

  /** True when the access token used was invalid or expired: refresh it and retry once. */
  isTokenInvalid(): boolean {
    return TOKEN_INVALID_CODES.has(this.errcode);
  }
}

/** WeChat could not be reached, timed out, or answered with something unusable. */
export class WechatUnreachableError extends Error {
  override readonly name = "WechatUnreachableError";
  constructor(
    readonly route: WechatRoute,
    readonly reason: "network" | "timeout" | "bad_response",
    options?: { cause?: unknown },
  ) {
    super(`WeChat ${route} unreachable (${reason})`, options);
  }
}

export type WechatRoute =
  | "jscode2session"
  | "stable_token"
  | "subscribe_send"
  | "getwxacodeunlimit"
  | "msg_sec_check"
  | "media_check_async"
  | "sns_oauth2";

// ---------- request and response shapes ----------

export interface SubscribeMessage {
  touser: string;
  template_id: string;
  /** Page opened by a tap on the message, may carry a query (e.g. `pages/chat/index?c=ID`). */
  page?: string;
  data: Record<string, { value: string | number }>;
  miniprogram_state: "developer" | "trial" | "formal";
  lang?: "zh_CN" | "en_US" | "zh_HK" | "zh_TW";
}

/** The code's bytes and the image type they really are (WeChat sends JPEG). */
export interface QrCodeImage {
  bytes: Uint8Array;
  contentType: string;
}

export interface UnlimitedQrCodeRequest {
  /** At most 32 visible characters of `0-9A-Za-z!#$&'()*+,/:;=?@-._~`. */
  scene: string;
  /** Page without a leading `/` and without a query; WeChat's default is the home page. */
  page?: string;
  check_path?: boolean;
  env_version?: "release" | "trial" | "develop";
  /** 280..1280 px, default 430. */
  width?: number;
}

export interface MsgSecCheckRequest {
  content: string;
  version: 2;
  /** 1 profile, 2 comment, 3 forum, 4 social log. */
  scene: 1 | 2 | 3 | 4;
  openid: string;
}

export interface MediaCheckAsyncRequest {
  /** A URL WeChat downloads the file from (public, within 30 minutes). */
  media_url: string;
  /** 1 voice, 2 image. */
  media_type: 1 | 2;
  version: 2;
  scene: 1 | 2 | 3 | 4;
  openid: string;
}
const mediaCheckAsyncSchema = z.object({ trace_id: z.string().min(1) });

const sessionSchema = z.object({
  openid: z.string().min(1),
  session_key: z.string().min(1),
  unionid: z.string().min(1).optional(),
});
export type WechatSession = z.infer<typeof sessionSchema>;

/** Web authorization (公众号网页授权): the official-account user behind a code. */
const oauthSchema = z.object({
  openid: z.string().min(1),
  scope: z.string(),
  /** Only with scope snsapi_userinfo and an official account bound to an open platform account. */
  unionid: z.string().min(1).optional(),
  /** 1 for the virtual user of a 快照页 (snapshot page): not a real person's openid. */
  is_snapshotuser: z.number().optional(),
});
export type WechatOauthUser = z.infer<typeof oauthSchema>;

const tokenSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
});
export type AccessTokenResponse = z.infer<typeof tokenSchema>;

const subscribeSchema = z.object({ msgid: z.number().optional() });
export type SubscribeResult = z.infer<typeof subscribeSchema>;

const suggestSchema = z.enum(["pass", "review", "risky"]);
const secCheckSchema = z.object({
  result: z.object({ suggest: suggestSchema, label: z.number() }),
  trace_id: z.string().optional(),
});
export interface MsgSecCheckResult {
  suggest: z.infer<typeof suggestSchema>;
  label: number;
  trace_id?: string;
}

const errorSchema = z.object({
  errcode: z.number(),
  errmsg: z.string().optional().default(""),
});

// ---------- the client ----------

export interface WechatClientOptions {
  /** e.g. `https://api.weixin.qq.com` or the fake's URL; a path prefix is kept. */
  baseUrl: string;
  appid: string;
  secret: string;
  fetch?: typeof fetch;
  /** Per-call timeout, default 10 s. */
  timeoutMs?: number;
}

export interface WechatClient {
  code2session(code: string): Promise<WechatSession>;
  /** Exchanges a web-authorization code (this client's appid/secret are the official account's). */
  oauthAccessToken(code: string): Promise<WechatOauthUser>;
  stableToken(forceRefresh?: boolean): Promise<AccessTokenResponse>;
  sendSubscribe(accessToken: string, message: SubscribeMessage): Promise<SubscribeResult>;
  /** PNG bytes of the mini program code. */
  getUnlimitedQrCode(accessToken: string, request: UnlimitedQrCodeRequest): Promise<QrCodeImage>;
  msgSecCheck(accessToken: string, request: MsgSecCheckRequest): Promise<MsgSecCheckResult>;
  /** Starts an asynchronous check; the verdict arrives later as a `wxa_media_check` push event. */
  mediaCheckAsync(accessToken: string, request: MediaCheckAsyncRequest): Promise<{ trace_id: string }>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** An abort from AbortSignal.timeout (a DOMException, not always an Error subclass). */
function isTimeout(cause: unknown): boolean {
  const name = typeof cause === "object" && cause !== null ? (cause as { name?: unknown }).name : undefined;
  return name === "TimeoutError" || name === "AbortError";
}

export function createWechatClient(options: WechatClientOptions): WechatClient {
  const base = options.baseUrl.replace(/\/+$/, "");
  // Call through a closure: workerd rejects a detached `fetch` ("Illegal invocation").
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  /** A string, not a URL object: fetch parses it once either way. */
  function url(path: string, query: Record<string, string>): string {
    const search = new URLSearchParams(query).toString();
    return search ? `${base}${path}?${search}` : base + path;
  }

  async function send(route: WechatRoute, target: string, body?: unknown): Promise<Response> {
    const init: RequestInit = body === undefined
      ? { method: "GET" }
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
    init.signal = AbortSignal.timeout(timeoutMs);
    try {
      return await doFetch(target, init);
    } catch (cause) {
      throw new WechatUnreachableError(route, isTimeout(cause) ? "timeout" : "network", { cause });
    }
  }

  /** Reads a JSON answer: `errcode != 0` throws WechatError, anything unparsable throws WechatUnreachableError. */
  async function readJson<S extends z.ZodType>(route: WechatRoute, res: Response, schema: S): Promise<z.infer<S>> {
    let json: unknown;
    try {
      json = await res.json();
    } catch (cause) {
      throw new WechatUnreachableError(route, isTimeout(cause) ? "timeout" : "bad_response", { cause });
    }
    // Only an answer with a non-zero errcode is an error (most carry none, or 0): one schema parse each.
    if (typeof json === "object" && json !== null && "errcode" in json && json.errcode !== 0) {
      const err = errorSchema.safeParse(json);
      if (err.success) throw new WechatError(err.data.errcode, err.data.errmsg, route);
    }
    const ok = schema.safeParse(json);
    if (!ok.success) throw new WechatUnreachableError(route, "bad_response", { cause: ok.error });
    return ok.data;
  }

  async function postJson<S extends z.ZodType>(
    route: WechatRoute, path: string, accessToken: string, body: unknown, schema: S,
  ): Promise<z.infer<S>> {
    const res = await send(route, url(path, { access_token: accessToken }), body);
    return readJson(route, res, schema);
  }

  return {
    async code2session(code) {
      const target = url("/sns/jscode2session", {
        appid: options.appid,
        secret: options.secret,
        js_code: code,
        grant_type: "authorization_code",
      });
      return readJson("jscode2session", await send("jscode2session", target), sessionSchema);
    },

    async oauthAccessToken(code) {
      const target = url("/sns/oauth2/access_token", { appid: options.appid, secret: options.secret, code, grant_type: "authorization_code" });
      return readJson("sns_oauth2", await send("sns_oauth2", target), oauthSchema);
    },

    async stableToken(forceRefresh = false) {
      const body = { grant_type: "client_credential", appid: options.appid, secret: options.secret, force_refresh: forceRefresh };
      return readJson("stable_token", await send("stable_token", url("/cgi-bin/stable_token", {}), body), tokenSchema);
    },

    sendSubscribe(accessToken, message) {
      return postJson("subscribe_send", "/cgi-bin/message/subscribe/send", accessToken, message, subscribeSchema);
    },

    async getUnlimitedQrCode(accessToken, request) {
      const route = "getwxacodeunlimit";
      const res = await send(route, url("/wxa/getwxacodeunlimit", { access_token: accessToken }), request);
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = new Uint8Array(await res.arrayBuffer());
      } catch (cause) {
        throw new WechatUnreachableError(route, isTimeout(cause) ? "timeout" : "network", { cause });
      }
      // Trust the bytes, not the header: an image is the code, anything else is (at best) a JSON error.
      const image = sniffMedia(bytes);
      if (image?.kind === "image") return { bytes, contentType: image.contentType };
      return readJson(route, new Response(bytes), z.never());
    },

    async msgSecCheck(accessToken, request) {
      const data = await postJson("msg_sec_check", "/wxa/msg_sec_check", accessToken, request, secCheckSchema);
      return { ...data.result, ...(data.trace_id === undefined ? {} : { trace_id: data.trace_id }) };
    },

    mediaCheckAsync(accessToken, request) {
      return postJson("media_check_async", "/wxa/media_check_async", accessToken, request, mediaCheckAsyncSchema);
    },
  };
}
