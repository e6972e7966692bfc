// A local fake of WeChat's server API: the routes kefu calls, with WeChat's
// documented response shapes and error codes. It records every request and
// can be told to fail, slow down or drop a route, and to expire its tokens,
// both in-process and through the /__fake/* control endpoints.
//
//   npx tsx fake-wechat/server.ts --port 9400 [--appid wx..] [--secret ..] [--templates A,B]
//
// Behaviour worth knowing in tests:
// - jscode2session: js_code `bad*` → 40029, `used*` → 40163, `freq*` → 45011, `risky*` → 40226;
//   any other code → openid fakeOpenid(code) (same code, same openid), with the unionid given to
//   that openid by setUnionid, if any.
// - stable_token: `fake_token_<n>`, 7200 s; normal mode returns the still-valid token,
//   force_refresh revokes it (later use → 40001); expireTokens() → 42001.
// - stable_token: normal mode returns the current token until its last 5 minutes, then a new one
//   while the old stays valid until it expires (the documented overlap); force_refresh revokes the
//   old token, at most 20 times a day (45009) and not within 30 s of the last one (same token back).
// - subscribe/send: a page with a leading `/` is 41030 for the released version (formal, the
//   default) only; templates default to TPL_REPLY; every data key's value must fit its keyword
//   type (thing, name, phrase, character_string, number, letter, symbol, time, date, amount,
//   phone_number, car_number), never empty, else 47003; an unknown type is 47003 too.
// - msg_sec_check: content up to 2,500 characters (40097 beyond); the openid must come from this
//   app's jscode2session (43104) within the last 2 hours (61010). The appid may call it 4,000 times
//   a calendar minute (then 44991) and 2,000,000 times a day, counted from midnight in China (then
//   45009), as WeChat's staff state them in its developer community; `msgSecCheckQuota` lifts it.
// - getwxacodeunlimit: a real QR code of `wxacode:<page>?scene=<encodeURIComponent(scene)>`, as
//   WeChat sends it: JPEG bytes with `content-type: image/jpeg`.
// - msg_sec_check: `违规`/`risky` → risky (20001), `待审`/`review` → review (21000), else pass (100).
// - media_check_async: media_url an http(s) URL, media_type 1|2, version 2, scene 1..4, openid as
//   for msg_sec_check (missing or wrong: 47001/40003/40129/43104/61010); answers a trace_id. The
//   verdict is delivered only when asked (`deliverMediaCheck`, `POST /__fake/media-check/<trace_id>
//   {suggest}`): the fake downloads media_url like WeChat (it must answer 200), then POSTs the
//   `wxa_media_check` event to the message-push URL (`setPush`, `POST /__fake/push {url, token}`),
//   signed with that token (signature = sha1 of the sorted token, timestamp and nonce).
// - Official-account web authorization (公众号网页授权), appid `FAKE_OA_APPID`:
//   GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state (+ #wechat_redirect)
//   answers only a browser whose user agent has `MicroMessenger` (else a "请在微信客户端打开链接"
//   page), checks appid, scope, response_type, state (a-zA-Z0-9, ≤ 128 bytes) and the redirect_uri's
//   host against the 网页授权域名 (`setOauthDomains`; the test harness sets 127.0.0.1), and redirects
//   to redirect_uri with a new single-use `code` (5 minutes) and the state. The user is
//   `setOauthUser(name, {unionid})` (default "h5-user"): openid fakeOpenid(`oa:<name>`); the unionid
//   comes back only for snsapi_userinfo, as documented. GET /sns/oauth2/access_token exchanges
//   the code: 40013/40125/40002/41008, unknown or expired 40029, used 40163.
import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import jpeg from "jpeg-js";
import QRCode from "qrcode";
import { z } from "zod";

export const FAKE_APPID = "wx0000000000000000";
export const FAKE_SECRET = "fake-wechat-secret";
/** The official account (公众号) whose web authorization the H5 page uses. */
export const FAKE_OA_APPID = "wx1111111111111111";
export const FAKE_OA_SECRET = "fake-official-account-secret";
export const OAUTH_CODE_LIFETIME_MS = 5 * 60_000;
export const DEFAULT_TEMPLATES = ["TPL_REPLY"];
export const TOKEN_LIFETIME_S = 7200;
/** stable_token hands out a new token in the old one's last 5 minutes; both work meanwhile. */
export const TOKEN_OVERLAP_S = 300;
export const FORCE_REFRESH_PER_DAY = 20;
export const FORCE_REFRESH_GAP_MS = 30_000;
/** msg_sec_check needs a user who opened the mini program within this long. */
export const USER_VISIT_WINDOW_MS = 2 * 3600_000;
export const MSG_SEC_CHECK_MAX_CHARS = 2500;
export type MsgSecCheckQuota = { perMinute: number; perDay: number };
export const MSG_SEC_CHECK_QUOTA: MsgSecCheckQuota = { perMinute: 4000, perDay: 2_000_000 };
const CHINA_OFFSET_MS = 8 * 3600_000;

export const ROUTES = {
  jscode2session: "/sns/jscode2session",
  stable_token: "/cgi-bin/stable_token",
  subscribe_send: "/cgi-bin/message/subscribe/send",
  getwxacodeunlimit: "/wxa/getwxacodeunlimit",
  msg_sec_check: "/wxa/msg_sec_check",
  media_check_async: "/wxa/media_check_async",
  sns_oauth2: "/sns/oauth2/access_token",
} as const;
const AUTHORIZE_PATH = "/connect/oauth2/authorize";
export type FakeRoute = keyof typeof ROUTES;
const routeSchema = z.enum(Object.keys(ROUTES) as [FakeRoute, ...FakeRoute[]]);

/** errmsg texts as WeChat sends them (without the trailing "rid: ..."). */
const ERRMSG: Record<number, string> = {
  [-1]: "system error",
  40001: "invalid credential, access_token is invalid or not latest",
  40002: "invalid grant_type",
  40003: "invalid openid",
  40013: "invalid appid",
  40014: "invalid access_token",
  40029: "invalid code",
  40037: "invalid template_id",
  40097: "invalid args",
  40125: "invalid appsecret",
  40129: "invalid scene",
  40163: "code been used",
  40169: "invalid length for scene, or the data is not json string",
  40226: "code blocked",
  41001: "access_token missing",
  41008: "missing code",
  41030: "invalid page",
  42001: "access_token expired",
  43101: "user refuse to accept the msg",
  45009: "reach max api daily quota limit",
  43104: "this appid does not have permission",
  44991: "reach max api minute frequence",
  45011: "api minute-quota reach limit  mustslower  retry next minute",
  47001: "data format error",
  47003: "argument invalid!",
  61010: "user access record expired",
};

export interface RecordedRequest {
  method: string;
  path: string;
  /** null for control and unknown paths. */
  route: FakeRoute | null;
  query: Record<string, string>;
  /** Parsed JSON body, or null when absent or not JSON. */
  body: unknown;
  time: number;
}

export interface FakeWechatOptions {
  port?: number;
  templates?: string[];
  appid?: string;
  secret?: string;
  /** Seconds a new access token lives (tests shorten it to reach the overlap window). */
  tokenLifetimeS?: number;
  /** The fake's clock for tokens, force-refresh limits and visits (tests move it). */
  now?: () => number;
  /** The official account's appid and secret (default FAKE_OA_APPID / FAKE_OA_SECRET). */
  oaAppid?: string;
  oaSecret?: string;
  /** Log each request to stdout (the CLI turns this on). */
  log?: boolean;
  /** msg_sec_check's quota (default WeChat's, MSG_SEC_CHECK_QUOTA); null: none (benchmarks measure a check per message). */
  msgSecCheckQuota?: MsgSecCheckQuota | null;
}

export interface FakeWechat {
  url: string;
  appid: string;
  secret: string;
  /** The official account's appid and secret (web authorization). */
  oaAppid: string;
  oaSecret: string;
  requests: RecordedRequest[];
  /** The next `times` calls of `route` answer `{errcode, errmsg}`. */
  failNext(route: FakeRoute, errcode: number, times?: number): void;
  /** Delay every answer of `route` by `ms` (0 turns it off). */
  setSlow(route: FakeRoute, ms: number): void;
  /** While down, calls of `route` get their connection destroyed. */
  setDown(route: FakeRoute, down: boolean): void;
  /** Every token issued so far becomes expired (42001). */
  expireTokens(): void;
  /** Replaces the subscribe-message templates the app has (others answer 40037). */
  setTemplates(ids: string[]): void;
  /** The message-push server URL and token (like 开发管理 → 消息推送). */
  setPush(url: string, token: string): void;
  /** media_check_async calls received, by trace_id. */
  mediaChecks: Map<string, MediaCheckRequest>;
  /** Downloads the media and pushes the verdict event; resolves with the push URL's answer. */
  deliverMediaCheck(traceId: string, suggest: "pass" | "review" | "risky"): Promise<{ mediaStatus: number; pushStatus: number; pushBody: string }>;
  /** jscode2session answers this unionid with this openid (an app bound to an open platform account). */
  setUnionid(openid: string, unionid: string): void;
  /** The official account's 网页授权域名: redirect_uri hosts the authorize page accepts (empty: any). */
  setOauthDomains(hosts: string[]): void;
  /** The WeChat user who passes the next web authorizations (the person holding the phone). */
  setOauthUser(name: string, options?: { unionid?: string }): void;
  /** Forget requests, failures, delays, outages and tokens. */
  reset(): void;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;
export type MediaCheckRequest = { media_url: string; media_type: 1 | 2; scene: number; openid: string };

/** The message-push signature: sha1 of token, timestamp and nonce sorted and joined. */
export function pushSignature(token: string, timestamp: string, nonce: string): string {
  return createHash("sha1").update([token, timestamp, nonce].sort().join("")).digest("hex");
}
type Answer = { json: Json } | { jpeg: Buffer };

const ok = (extra: Json = {}): Answer => ({ json: { errcode: 0, errmsg: "ok", ...extra } });
const fail = (errcode: number, detail?: string): Answer => ({
  json: { errcode, errmsg: `${ERRMSG[errcode] ?? "error"}${detail ? ` ${detail}` : ""} rid: ${randomBytes(6).toString("hex")}` },
});

const OPENID = /^o[\w-]{20,}$/;
/** Characters WeChat allows in a scene. */
const SCENE = /^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]+$/;

/** Deterministic openid: `o` + 27 base64url characters of SHA-1(code). */
export function fakeOpenid(code: string): string {
  return "o" + createHash("sha1").update(code).digest("base64url").slice(0, 27);
}

const HAN = "\\p{Script=Han}";
const SYM = "!-/:-@\\[-`{-~";
const TIME = "\\d{1,2}:\\d{2}(:\\d{2})?";
const DAY = "(\\d{4}年\\d{1,2}月\\d{1,2}日|\\d{4}-\\d{2}-\\d{2})";
/** Each keyword type's rule as WeChat documents it ("订阅消息参数值内容限制说明"); `~` joins a range. */
const KEYWORD_RULES: Record<string, (v: string) => boolean> = {
  thing: (v) => [...v].length <= 20,
  number: (v) => v.length <= 32 && /^\d+(\.\d+)?$/.test(v),
  letter: (v) => /^[A-Za-z]{1,32}$/.test(v),
  symbol: (v) => new RegExp(`^[${SYM}]{1,5}$`).test(v),
  character_string: (v) => new RegExp(`^[0-9A-Za-z${SYM}]{1,32}$`).test(v),
  time: (v) => new RegExp(`^((${DAY} )?${TIME})(~(${DAY} )?${TIME})?$`, "u").test(v),
  date: (v) => new RegExp(`^(${DAY}( ${TIME})?)(~${DAY}( ${TIME})?)?$`, "u").test(v),
  amount: (v) => /^[¥$€£]?\d{1,10}(\.\d+)?元?$/.test(v),
  phone_number: (v) => new RegExp(`^[0-9${SYM}]{1,17}$`).test(v),
  car_number: (v) => [...v].length <= 8 && new RegExp(`^[${HAN}A-Za-z0-9][A-Za-z0-9]*[${HAN}A-Za-z0-9]?$`, "u").test(v),
  // Han with letters or symbols counts as a Chinese name (10); letters and symbols alone (20).
  name: (v) =>
    new RegExp(`[${HAN}]`, "u").test(v)
      ? [...v].length <= 10 && new RegExp(`^[${HAN}A-Za-z${SYM}·]+$`, "u").test(v)
      : new RegExp(`^[A-Za-z${SYM} ]{1,20}$`).test(v),
  phrase: (v) => new RegExp(`^[${HAN}]{1,5}$`, "u").test(v),
};

/** Whether `value` fits the keyword type named by `key` (`thing1` → thing); unknown types never do. */
export function keywordValueValid(key: string, value: string): boolean {
  const type = /^([a-z_]+?)\d+$/.exec(key)?.[1];
  const rule = type ? KEYWORD_RULES[type] : undefined;
  return rule !== undefined && rule(value);
}

export async function startFakeWechat(options: FakeWechatOptions = {}): Promise<FakeWechat> {
  const appid = options.appid ?? FAKE_APPID;
  const secret = options.secret ?? FAKE_SECRET;
  let templates = new Set(options.templates ?? DEFAULT_TEMPLATES);
  const requests: RecordedRequest[] = [];
  const failures = new Map<FakeRoute, { errcode: number; left: number }[]>();
  const slow = new Map<FakeRoute, number>();
  const down = new Set<FakeRoute>();
  /** token → expiry (ms); revoked tokens are deleted, so they are unknown (40001). */
  const tokens = new Map<string, number>();
  let currentToken: string | null = null;
  let tokenSeq = 0; // never reset, so a token from before reset() is never reissued
  let msgSeq = 0;
  const secCheckQuota = options.msgSecCheckQuota === undefined ? MSG_SEC_CHECK_QUOTA : options.msgSecCheckQuota;
  /** msg_sec_check calls answered in the current calendar minute and China day. */
  let secChecks = { minute: -1, inMinute: 0, day: -1, inDay: 0 };
  const tokenLifetimeS = options.tokenLifetimeS ?? TOKEN_LIFETIME_S;
  const clock = options.now ?? Date.now;
  /** Times of force refreshes (the last day's), for the daily limit and the 30 s gap. */
  let forceRefreshes: number[] = [];
  /** openid → last jscode2session (a visit to the mini program); never reset with the rest. */
  const visits = new Map<string, number>();
  const mediaChecks = new Map<string, MediaCheckRequest>();
  let push: { url: string; token: string } | null = null;
  const oaAppid = options.oaAppid ?? FAKE_OA_APPID;
  const unionids = new Map<string, string>();
  let oauthUser: { name: string; unionid?: string } = { name: "h5-user" };
  let oauthDomains: string[] = [];
  /** Web-authorization codes: code → who, which scope, when issued, whether used. */
  const oauthCodes = new Map<string, { openid: string; unionid?: string; scope: string; issuedAt: number; used: boolean }>();

  /** The authorize page: a redirect back with a fresh code, or WeChat's refusal page. */
  function authorize(query: Record<string, string>, userAgent: string, res: ServerResponse): void {
    const page = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><meta charset="utf-8"><title>微信</title><p>${text}</p>`);
    };
    if (!userAgent.includes("MicroMessenger")) return page(200, "请在微信客户端打开链接");
    if (query.appid !== oaAppid) return page(200, "Oops! Something went wrong:( 10003 redirect_uri域名与后台配置不一致");
    if (query.response_type !== "code") return page(200, "Oops! Something went wrong:( 10004 此公众号被封禁");
    if (query.scope !== "snsapi_base" && query.scope !== "snsapi_userinfo") return page(200, "Oops! Something went wrong:( 10005 此公众号并没有这些scope的权限");
    if (query.state !== undefined && !/^[a-zA-Z0-9]{0,128}$/.test(query.state)) return page(200, "Oops! Something went wrong:( state 参数错误");
    let target: URL | null = null;
    try {
      target = new URL(query.redirect_uri ?? "");
    } catch {
      // not a URL: refused below like a foreign domain
    }
    if (!target || (oauthDomains.length > 0 && !oauthDomains.includes(target.hostname))) {
      return page(200, "Oops! Something went wrong:( 10003 redirect_uri域名与后台配置不一致");
    }
    const code = randomBytes(16).toString("hex");
    const openid = fakeOpenid(`oa:${oauthUser.name}`);
    oauthCodes.set(code, { openid, unionid: oauthUser.unionid, scope: query.scope, issuedAt: clock(), used: false });
    target.searchParams.set("code", code);
    if (query.state !== undefined) target.searchParams.set("state", query.state);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  /** openid rules shared by msg_sec_check and media_check_async; null when it may be checked. */
  function checkUser(openid: unknown): Answer | null {
    if (typeof openid !== "string" || !OPENID.test(openid)) return fail(40003);
    const visited = visits.get(openid);
    if (visited === undefined) return fail(43104);
    if (clock() - visited > USER_VISIT_WINDOW_MS) return fail(61010);
    return null;
  }

  /** A new current token; `revoke` ends the old one now (force refresh), else it lives out its time. */
  function issueToken(revoke: boolean): Json {
    if (currentToken && revoke) tokens.delete(currentToken);
    currentToken = `fake_token_${++tokenSeq}`;
    tokens.set(currentToken, clock() + tokenLifetimeS * 1000);
    return { access_token: currentToken, expires_in: tokenLifetimeS };
  }

  /** null when the token is good, else the error answer. */
  function checkToken(query: Record<string, string>): Answer | null {
    const token = query.access_token;
    if (!token) return fail(41001);
    const expiresAt = tokens.get(token);
    if (expiresAt === undefined) return fail(40001);
    if (clock() >= expiresAt) return fail(42001);
    return null;
  }

  const handlers: Record<FakeRoute, (query: Record<string, string>, body: unknown) => Answer | Promise<Answer>> = {
    jscode2session(query) {
      if (query.appid !== appid) return fail(40013);
      if (query.secret !== secret) return fail(40125);
      if (query.grant_type !== "authorization_code") return fail(40002);
      const code = query.js_code;
      if (!code) return fail(41008);
      if (code.startsWith("bad")) return fail(40029);
      if (code.startsWith("used")) return fail(40163);
      if (code.startsWith("freq")) return fail(45011);
      if (code.startsWith("risky")) return fail(40226);
      const openid = fakeOpenid(code);
      visits.set(openid, clock());
      const unionid = unionids.get(openid);
      return { json: { openid, session_key: randomBytes(16).toString("base64"), ...(unionid ? { unionid } : {}) } };
    },

    sns_oauth2(query) {
      if (query.appid !== oaAppid) return fail(40013);
      if (query.secret !== (options.oaSecret ?? FAKE_OA_SECRET)) return fail(40125);
      if (query.grant_type !== "authorization_code") return fail(40002);
      if (!query.code) return fail(41008);
      const grant = oauthCodes.get(query.code);
      if (!grant || clock() - grant.issuedAt > OAUTH_CODE_LIFETIME_MS) return fail(40029);
      if (grant.used) return fail(40163);
      grant.used = true;
      return {
        json: {
          access_token: `fake_oauth_${randomBytes(8).toString("hex")}`,
          expires_in: 7200,
          refresh_token: `fake_refresh_${randomBytes(8).toString("hex")}`,
          openid: grant.openid,
          scope: grant.scope,
          ...(grant.scope === "snsapi_userinfo" && grant.unionid ? { unionid: grant.unionid } : {}),
        },
      };
    },

    stable_token(_query, body) {
      const b = asObject(body);
      if (!b) return fail(40097);
      if (b.grant_type !== "client_credential") return fail(40002);
      if (b.appid !== appid) return fail(40013);
      if (b.secret !== secret) return fail(40125);
      const now = clock();
      const expiresAt = currentToken ? tokens.get(currentToken) : undefined;
      const live = currentToken !== null && expiresAt !== undefined && now < expiresAt;
      if (b.force_refresh === true) {
        forceRefreshes = forceRefreshes.filter((t) => now - t < 86_400_000);
        // Within 30 s of the last force refresh nothing is refreshed: the current token comes back.
        if (live && forceRefreshes.length && now - forceRefreshes[forceRefreshes.length - 1] < FORCE_REFRESH_GAP_MS) {
          return { json: { access_token: currentToken, expires_in: Math.floor((expiresAt - now) / 1000) } };
        }
        if (forceRefreshes.length >= FORCE_REFRESH_PER_DAY) return fail(45009);
        forceRefreshes.push(now);
        return { json: issueToken(true) };
      }
      if (live && expiresAt - now > TOKEN_OVERLAP_S * 1000) {
        // Normal mode: the still-valid token, with the seconds it has left.
        return { json: { access_token: currentToken, expires_in: Math.floor((expiresAt - now) / 1000) } };
      }
      // In the last 5 minutes (or after expiry) a new token; the old one keeps working until it expires.
      return { json: issueToken(false) };
    },

    subscribe_send(query, body) {
      const b = asObject(body);
      if (!b) return fail(40097);
      if (typeof b.touser !== "string" || !OPENID.test(b.touser)) return fail(40003);
      if (typeof b.template_id !== "string" || !templates.has(b.template_id)) return fail(40037);
      // A leading `/` works in the developer and trial versions and fails once released.
      if (typeof b.page === "string" && b.page.startsWith("/") && (b.miniprogram_state ?? "formal") === "formal") return fail(41030);
      const data = asObject(b.data);
      if (!data || Object.keys(data).length === 0) return fail(47003, "data is empty");
      for (const [key, field] of Object.entries(data)) {
        const value = asObject(field)?.value;
        if ((typeof value !== "string" && typeof value !== "number") || String(value) === "") return fail(47003, `data.${key}.value is empty`);
        if (!keywordValueValid(key, String(value))) return fail(47003, `data.${key}.value invalid`);
      }
      return ok({ msgid: 3_000_000_000 + ++msgSeq });
    },

    async getwxacodeunlimit(_query, body) {
      const b = asObject(body);
      if (!b || typeof b.scene !== "string" || b.scene.length === 0 || b.scene.length > 32) return fail(40169);
      if (!SCENE.test(b.scene)) return fail(40129);
      const page = b.page === undefined ? "pages/index/index" : b.page;
      if (typeof page !== "string" || page.startsWith("/") || page.includes("?")) return fail(41030);
      if (b.env_version !== undefined && !["release", "trial", "develop"].includes(String(b.env_version))) return fail(40097);
      const width = typeof b.width === "number" ? Math.min(1280, Math.max(280, Math.round(b.width))) : 430;
      // The real code is a round "sun code"; a QR code with the same payload lets tests decode it.
      const payload = `wxacode:${page}?scene=${encodeURIComponent(b.scene)}`;
      return { jpeg: qrJpeg(payload, width) };
    },

    msg_sec_check(_query, body) {
      if (secCheckQuota) {
        const now = clock();
        const minute = Math.floor(now / 60_000);
        const day = Math.floor((now + CHINA_OFFSET_MS) / 86_400_000);
        if (minute !== secChecks.minute) secChecks = { ...secChecks, minute, inMinute: 0 };
        if (day !== secChecks.day) secChecks = { ...secChecks, day, inDay: 0 };
        if (secChecks.inDay >= secCheckQuota.perDay) return fail(45009);
        if (secChecks.inMinute >= secCheckQuota.perMinute) return fail(44991);
        secChecks.inMinute++;
        secChecks.inDay++;
      }
      const b = asObject(body);
      if (!b || b.version !== 2 || typeof b.content !== "string") return fail(40097);
      if (typeof b.openid !== "string" || !OPENID.test(b.openid)) return fail(40003);
      if (![1, 2, 3, 4].includes(b.scene as number)) return fail(40129);
      if ([...b.content].length > MSG_SEC_CHECK_MAX_CHARS) return fail(40097, "content too long");
      const user = checkUser(b.openid);
      if (user) return user;
      const { suggest, label, keyword } = classify(b.content);
      const traceId = randomBytes(12).toString("hex");
      return ok({
        result: { suggest, label },
        detail: [
          { strategy: "content_model", errcode: 0, suggest, label, prob: suggest === "pass" ? 0 : 90 },
          { strategy: "keyword", errcode: 0, suggest, label, level: suggest === "pass" ? 0 : 20, ...(keyword ? { keyword } : {}) },
        ],
        trace_id: traceId,
      });
    },

    media_check_async(_query, body) {
      const b = asObject(body);
      if (!b) return fail(47001);
      if (typeof b.media_url !== "string" || !/^https?:\/\/[^\s]+$/.test(b.media_url)) return fail(47001, "media_url");
      if (b.media_type !== 1 && b.media_type !== 2) return fail(47001, "media_type");
      if (b.version !== 2) return fail(47001, "version");
      if (![1, 2, 3, 4].includes(b.scene as number)) return fail(40129);
      const user = checkUser(b.openid);
      if (user) return user;
      const traceId = `${randomBytes(4).toString("hex")}-${randomBytes(4).toString("hex")}-${randomBytes(4).toString("hex")}`;
      mediaChecks.set(traceId, { media_url: b.media_url, media_type: b.media_type, scene: b.scene as number, openid: b.openid as string });
      return ok({ trace_id: traceId });
    },
  };

  async function deliverMediaCheck(traceId: string, suggest: "pass" | "review" | "risky") {
    const check = mediaChecks.get(traceId);
    if (!check) throw new Error(`no media check ${traceId}`);
    if (!push) throw new Error("no message-push URL set");
    const media = await fetch(check.media_url);
    await media.arrayBuffer();
    const label = suggest === "pass" ? 100 : suggest === "review" ? 21000 : 20002;
    const timestamp = String(Math.floor(clock() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE());
    const target = new URL(push.url);
    target.searchParams.set("signature", pushSignature(push.token, timestamp, nonce));
    target.searchParams.set("timestamp", timestamp);
    target.searchParams.set("nonce", nonce);
    const event = {
      ToUserName: "gh_0000000000",
      FromUserName: check.openid,
      CreateTime: Number(timestamp),
      MsgType: "event",
      Event: "wxa_media_check",
      appid,
      trace_id: traceId,
      version: 2,
      // WeChat sends the label of the event as a string.
      result: { suggest, label: String(label) },
      detail: [{ strategy: "content_model", errcode: 0, suggest, label: String(label), prob: suggest === "pass" ? 0 : 90 }],
    };
    const res = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
    return { mediaStatus: media.status, pushStatus: res.status, pushBody: await res.text() };
  }

  async function answer(route: FakeRoute, query: Record<string, string>, body: unknown): Promise<Answer> {
    const queued = failures.get(route)?.[0];
    if (queued) {
      if (--queued.left <= 0) failures.get(route)!.shift();
      return fail(queued.errcode);
    }
    if (route !== "jscode2session" && route !== "stable_token" && route !== "sns_oauth2") {
      const bad = checkToken(query);
      if (bad) return bad;
    }
    return handlers[route](query, body);
  }

  const control = {
    reset() {
      requests.length = 0;
      failures.clear();
      slow.clear();
      down.clear();
      tokens.clear();
      currentToken = null;
      forceRefreshes = [];
      secChecks = { minute: -1, inMinute: 0, day: -1, inDay: 0 };
      oauthCodes.clear();
      oauthUser = { name: "h5-user" };
    },
    failNext(route: FakeRoute, errcode: number, times = 1) {
      const queue = failures.get(route) ?? [];
      queue.push({ errcode, left: times });
      failures.set(route, queue);
    },
    setSlow(route: FakeRoute, ms: number) {
      if (ms > 0) slow.set(route, ms);
      else slow.delete(route);
    },
    setDown(route: FakeRoute, isDown: boolean) {
      if (isDown) down.add(route);
      else down.delete(route);
    },
    expireTokens() {
      const now = clock();
      for (const token of tokens.keys()) tokens.set(token, now);
    },
    setTemplates(ids: string[]) {
      templates = new Set(ids);
    },
    setPush(url: string, token: string) {
      push = { url, token };
    },
    setUnionid(openid: string, unionid: string) {
      unionids.set(openid, unionid);
    },
    setOauthDomains(hosts: string[]) {
      oauthDomains = hosts;
    },
    setOauthUser(name: string, opts: { unionid?: string } = {}) {
      oauthUser = { name, ...opts };
    },
  };

  const controlBodies = {
    fail: z.object({ route: routeSchema, errcode: z.number().int(), times: z.number().int().positive().optional() }),
    slow: z.object({ route: routeSchema, ms: z.number().int().nonnegative() }),
    down: z.object({ route: routeSchema, down: z.boolean() }),
    push: z.object({ url: z.string().url(), token: z.string().min(3) }),
    mediaCheck: z.object({ suggest: z.enum(["pass", "review", "risky"]) }),
    visits: z.object({ openids: z.array(z.string()).max(100_000) }),
    oauthUser: z.object({ name: z.string().min(1).max(64), unionid: z.string().min(1).max(64).optional() }),
  };

  async function handleControl(method: string, action: string, body: unknown, res: ServerResponse): Promise<void> {
    const send = (status: number, json: unknown) => writeJson(res, status, json);
    if (method === "GET" && action === "requests") return send(200, requests);
    if (method !== "POST") return send(405, { error: "method not allowed" });
    if (action.startsWith("media-check/")) {
      const parsed = controlBodies.mediaCheck.safeParse(body);
      if (!parsed.success) return send(400, { error: z.prettifyError(parsed.error) });
      const traceId = decodeURIComponent(action.slice("media-check/".length));
      if (!mediaChecks.has(traceId)) return send(404, { error: "unknown trace_id" });
      return send(200, await deliverMediaCheck(traceId, parsed.data.suggest));
    }
    switch (action) {
      case "visits": {
        // These users opened the mini program just now (as a jscode2session would record): the
        // benchmark's seeded customers, whose text the content check may then check.
        const parsed = controlBodies.visits.safeParse(body);
        if (!parsed.success) return send(400, { error: z.prettifyError(parsed.error) });
        for (const openid of parsed.data.openids) visits.set(openid, clock());
        return send(200, { ok: true });
      }
      case "push": {
        const parsed = controlBodies.push.safeParse(body);
        if (!parsed.success) return send(400, { error: z.prettifyError(parsed.error) });
        control.setPush(parsed.data.url, parsed.data.token);
        return send(200, { ok: true });
      }
      case "oauth-user": {
        const parsed = controlBodies.oauthUser.safeParse(body);
        if (!parsed.success) return send(400, { error: z.prettifyError(parsed.error) });
        control.setOauthUser(parsed.data.name, { unionid: parsed.data.unionid });
        return send(200, { ok: true });
      }
      case "reset":
        control.reset();
        return send(200, { ok: true });
      case "expire-tokens":
        control.expireTokens();
        return send(200, { ok: true });
      case "fail":
      case "slow":
      case "down": {
        const parsed = controlBodies[action].safeParse(body);
        if (!parsed.success) return send(400, { error: z.prettifyError(parsed.error) });
        const d = parsed.data;
        if ("errcode" in d) control.failNext(d.route, d.errcode, d.times);
        else if ("ms" in d) control.setSlow(d.route, d.ms);
        else control.setDown(d.route, d.down);
        return send(200, { ok: true });
      }
      default:
        return send(404, { error: "unknown control endpoint" });
    }
  }

  const timers = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const method = req.method ?? "GET";
    const body = parseJson(await readBody(req));
    if (url.pathname.startsWith("/__fake/")) return handleControl(method, url.pathname.slice("/__fake/".length), body, res);
    if (url.pathname === AUTHORIZE_PATH && method === "GET") {
      requests.push({ method, path: url.pathname, route: null, query: Object.fromEntries(url.searchParams), body: null, time: clock() });
      return authorize(Object.fromEntries(url.searchParams), req.headers["user-agent"] ?? "", res);
    }

    const route = (Object.keys(ROUTES) as FakeRoute[]).find((r) => ROUTES[r] === url.pathname) ?? null;
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method, path: url.pathname, route, query, body, time: clock() });
    if (options.log) console.log(`[fake-wechat] ${method} ${url.pathname}`);
    if (!route) return writeJson(res, 404, { errcode: -1, errmsg: "not found" });
    if ((route === "jscode2session" || route === "sns_oauth2") !== (method === "GET")) return writeJson(res, 405, { errcode: -1, errmsg: "method not allowed" });

    if (down.has(route)) {
      req.socket.destroy();
      return;
    }
    const delay = slow.get(route);
    if (delay) await sleep(delay);
    const result = await answer(route, query, body);
    if ("jpeg" in result) {
      res.writeHead(200, { "content-type": "image/jpeg", "content-length": result.jpeg.length });
      res.end(result.jpeg);
    } else {
      writeJson(res, 200, result.json);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error("[fake-wechat] handler failed", error);
      if (!res.headersSent) writeJson(res, 500, { errcode: -1, errmsg: "system error" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    appid,
    secret,
    oaAppid,
    oaSecret: options.oaSecret ?? FAKE_OA_SECRET,
    requests,
    mediaChecks,
    deliverMediaCheck,
    ...control,
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

/** A QR code of `payload` drawn about `width` pixels wide (whole modules, 2-module margin) as a JPEG. */
function qrJpeg(payload: string, width: number): Buffer {
  const { size, data: modules } = QRCode.create(payload, { errorCorrectionLevel: "M" }).modules;
  const margin = 2;
  const scale = Math.max(1, Math.floor(width / (size + 2 * margin)));
  const side = (size + 2 * margin) * scale;
  const rgba = Buffer.alloc(side * side * 4, 0xff);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const mx = Math.floor(x / scale) - margin;
      const my = Math.floor(y / scale) - margin;
      if (mx >= 0 && my >= 0 && mx < size && my < size && modules[my * size + mx]) rgba.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
    }
  }
  return jpeg.encode({ data: rgba, width: side, height: side }, 90).data;
}

function classify(content: string): { suggest: "pass" | "review" | "risky"; label: number; keyword?: string } {
  for (const keyword of ["违规", "risky"]) if (content.includes(keyword)) return { suggest: "risky", label: 20001, keyword };
  for (const keyword of ["待审", "review"]) if (content.includes(keyword)) return { suggest: "review", label: 21000, keyword };
  return { suggest: "pass", label: 100 };
}

function asObject(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function writeJson(res: ServerResponse, status: number, json: unknown): void {
  const text = JSON.stringify(json);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

// ---------- CLI ----------
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "9400" },
      appid: { type: "string" },
      secret: { type: "string" },
      templates: { type: "string" },
      "no-quota": { type: "boolean", default: false },
    },
  });
  const fake = await startFakeWechat({
    port: Number(values.port),
    appid: values.appid,
    secret: values.secret,
    templates: values.templates?.split(",").filter(Boolean),
    msgSecCheckQuota: values["no-quota"] ? null : undefined,
    log: true,
  });
  console.log(`[fake-wechat] listening on ${fake.url} (appid ${fake.appid})`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
