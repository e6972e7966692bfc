// The WeChat client, the access-token cache and the fake WeChat server.
//   npx tsx --test test/wechat-client.test.ts
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import {
  createWechatClient,
  WECHAT_ERRCODES as E,
  WechatError,
  WechatUnreachableError,
  type SubscribeMessage,
  type WechatClient,
} from "../domain/wechat/client";
import { AccessTokenCache, REFRESH_MARGIN_MS, withAccessToken } from "../domain/wechat/token";
import { fakeOpenid, startFakeWechat, type FakeRoute, type FakeWechat } from "../fake-wechat/server";
import { decodeQr as decode, isJpeg } from "./qr-decode";

let fake: FakeWechat;
let wx: WechatClient;

before(async () => {
  fake = await startFakeWechat();
  wx = createWechatClient({ baseUrl: fake.url, appid: fake.appid, secret: fake.secret });
});
after(() => fake.close());
beforeEach(() => fake.reset());

const OPENID = fakeOpenid("customer-1");
const message = (overrides: Partial<SubscribeMessage> = {}): SubscribeMessage => ({
  touser: OPENID,
  template_id: "TPL_REPLY",
  page: "pages/chat/index?c=conv_1",
  data: { thing1: { value: "客服回复了您的消息" }, time2: { value: "2026-04-26 10:00" } },
  miniprogram_state: "developer",
  ...overrides,
});

/** Asserts that `promise` rejects with a WechatError carrying `errcode`. */
async function rejectsWith(promise: Promise<unknown>, errcode: number): Promise<WechatError> {
  const error = await promise.then(
    () => assert.fail(`expected WeChat error ${errcode}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WechatError, `expected WechatError, got ${String(error)}`);
  assert.equal(error.errcode, errcode);
  assert.ok(error.errmsg.length > 0);
  return error;
}

async function rejectsUnreachable(promise: Promise<unknown>, reason: WechatUnreachableError["reason"]): Promise<void> {
  const error = await promise.then(() => assert.fail("expected WechatUnreachableError"), (e: unknown) => e);
  assert.ok(error instanceof WechatUnreachableError, `expected WechatUnreachableError, got ${String(error)}`);
  assert.equal(error.reason, reason);
}

const calls = (route: FakeRoute) => fake.requests.filter((r) => r.route === route);
const token = async () => (await wx.stableToken()).access_token;

describe("code2session", () => {
  test("sends the documented query and returns a deterministic openid", async () => {
    const first = await wx.code2session("customer-1");
    const second = await wx.code2session("customer-1");
    assert.equal(first.openid, OPENID);
    assert.match(first.openid, /^o[\w-]{27}$/);
    assert.equal(second.openid, first.openid);
    assert.match(first.session_key, /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(first.unionid, undefined);
    assert.notEqual((await wx.code2session("customer-2")).openid, first.openid);
    const [req] = calls("jscode2session");
    assert.equal(req.method, "GET");
    assert.deepEqual(req.query, {
      appid: fake.appid,
      secret: fake.secret,
      js_code: "customer-1",
      grant_type: "authorization_code",
    });
  });

  test("maps the documented login errors", async () => {
    await rejectsWith(wx.code2session("bad-code"), E.INVALID_CODE);
    await rejectsWith(wx.code2session("used-1"), E.CODE_USED);
    await rejectsWith(wx.code2session("freq-1"), E.TOO_FREQUENT);
    const risky = await rejectsWith(wx.code2session("risky-1"), E.CODE_BLOCKED);
    assert.equal(risky.isTokenInvalid(), false);
    assert.equal(risky.route, "jscode2session");
  });

  test("wrong appid or secret", async () => {
    const base = { baseUrl: fake.url, appid: fake.appid, secret: fake.secret };
    await rejectsWith(createWechatClient({ ...base, appid: "wx_wrong" }).code2session("c"), E.INVALID_APPID);
    await rejectsWith(createWechatClient({ ...base, secret: "wrong" }).code2session("c"), E.INVALID_APPSECRET);
    await rejectsWith(createWechatClient({ ...base, secret: "wrong" }).stableToken(), E.INVALID_APPSECRET);
  });
});

describe("stable_token", () => {
  test("normal mode returns the still-valid token, force_refresh a new one", async () => {
    const a = await wx.stableToken();
    assert.match(a.access_token, /^fake_token_\d+$/);
    assert.equal(a.expires_in, 7200);
    const b = await wx.stableToken(false);
    assert.equal(b.access_token, a.access_token);
    assert.ok(b.expires_in <= 7200);
    const c = await wx.stableToken(true);
    assert.notEqual(c.access_token, a.access_token);
    assert.deepEqual(calls("stable_token").map((r) => r.body), [false, false, true].map((force_refresh) => ({
      grant_type: "client_credential",
      appid: fake.appid,
      secret: fake.secret,
      force_refresh,
    })));
    // The token replaced by force_refresh is no longer valid.
    const stale = await rejectsWith(wx.sendSubscribe(a.access_token, message()), E.INVALID_CREDENTIAL);
    assert.equal(stale.isTokenInvalid(), true);
    await wx.sendSubscribe(c.access_token, message());
  });

  test("expired and unknown tokens", async () => {
    const t = await token();
    fake.expireTokens();
    assert.equal((await rejectsWith(wx.msgSecCheck(t, { content: "你好", version: 2, scene: 2, openid: OPENID }), E.ACCESS_TOKEN_EXPIRED)).isTokenInvalid(), true);
    await rejectsWith(wx.getUnlimitedQrCode("fake_token_unknown", { scene: "x" }), E.INVALID_CREDENTIAL);
    const fresh = await wx.stableToken();
    assert.notEqual(fresh.access_token, t);
    assert.equal(new WechatError(E.INVALID_ACCESS_TOKEN, "invalid access_token", "msg_sec_check").isTokenInvalid(), true);
  });
});

describe("subscribe/send", () => {
  test("sends the message and returns a msgid", async () => {
    const t = await token();
    const result = await wx.sendSubscribe(t, message({ lang: "zh_CN" }));
    assert.equal(typeof result.msgid, "number");
    const [req] = calls("subscribe_send");
    assert.equal(req.method, "POST");
    assert.equal(req.query.access_token, t);
    assert.deepEqual(req.body, message({ lang: "zh_CN" }));
  });

  test("documented errors", async () => {
    const t = await token();
    await rejectsWith(wx.sendSubscribe(t, message({ touser: "not-an-openid" })), E.INVALID_OPENID);
    await rejectsWith(wx.sendSubscribe(t, message({ template_id: "TPL_OTHER" })), E.INVALID_TEMPLATE_ID);
    await rejectsWith(wx.sendSubscribe(t, message({ data: { thing1: { value: "一二三四五六七八九十一二三四五六七八九十一" } } })), E.BAD_TEMPLATE_DATA);
    await wx.sendSubscribe(t, message({ data: { thing1: { value: "一二三四五六七八九十一二三四五六七八九十" } } }));
    await rejectsWith(wx.sendSubscribe(t, message({ data: { thing1: {} as { value: string } } })), E.BAD_TEMPLATE_DATA);
    // A leading `/` in page: accepted for the developer and trial versions, refused once released
    // (WeChat's documented page form is `pages/index?foo=bar`; developers report the released case failing).
    await wx.sendSubscribe(t, message({ page: "/pages/chat/index?c=conv_1", miniprogram_state: "developer" }));
    await wx.sendSubscribe(t, message({ page: "/pages/chat/index?c=conv_1", miniprogram_state: "trial" }));
    await rejectsWith(wx.sendSubscribe(t, message({ page: "/pages/chat/index?c=conv_1", miniprogram_state: "formal" })), E.INVALID_PAGE);
    fake.failNext("subscribe_send", E.NO_SUBSCRIBE_GRANT);
    const refused = await rejectsWith(wx.sendSubscribe(t, message()), E.NO_SUBSCRIBE_GRANT);
    assert.equal(refused.isTokenInvalid(), false);
  });

  test("a fake configured with other templates", async () => {
    const other = await startFakeWechat({ templates: ["TPL_A"] });
    try {
      const client = createWechatClient({ baseUrl: other.url + "/", appid: other.appid, secret: other.secret });
      const t = (await client.stableToken()).access_token;
      await client.sendSubscribe(t, message({ template_id: "TPL_A" }));
      await rejectsWith(client.sendSubscribe(t, message()), E.INVALID_TEMPLATE_ID);
    } finally {
      await other.close();
    }
  });
});

describe("getwxacodeunlimit", () => {
  test("returns a JPEG, as WeChat does, whose payload carries page and scene", async () => {
    const t = await token();
    const { bytes, contentType } = await wx.getUnlimitedQrCode(t, {
      scene: "e=staff_42&s=qr",
      page: "pages/entry/index",
      check_path: false,
      env_version: "develop",
      width: 430,
    });
    assert.equal(contentType, "image/jpeg");
    assert.ok(isJpeg(bytes));
    const payload = decode(bytes);
    assert.equal(payload, `wxacode:pages/entry/index?scene=${encodeURIComponent("e=staff_42&s=qr")}`);
    // The page reads it as decodeURIComponent(query.scene).
    const query = new URLSearchParams(payload.split("?")[1]);
    assert.equal(decodeURIComponent(query.get("scene") ?? ""), "e=staff_42&s=qr");
    assert.deepEqual(calls("getwxacodeunlimit")[0].body, {
      scene: "e=staff_42&s=qr",
      page: "pages/entry/index",
      check_path: false,
      env_version: "develop",
      width: 430,
    });
  });

  test("documented errors for scene and page", async () => {
    const t = await token();
    await rejectsWith(wx.getUnlimitedQrCode(t, { scene: "x".repeat(33) }), E.INVALID_SCENE_LENGTH);
    await rejectsWith(wx.getUnlimitedQrCode(t, { scene: "" }), E.INVALID_SCENE_LENGTH);
    await rejectsWith(wx.getUnlimitedQrCode(t, { scene: "abc\u200bdef" }), E.INVALID_SCENE);
    await rejectsWith(wx.getUnlimitedQrCode(t, { scene: "中文" }), E.INVALID_SCENE);
    await rejectsWith(wx.getUnlimitedQrCode(t, { scene: "ok", page: "/pages/entry/index" }), E.INVALID_PAGE);
    assert.ok(decode((await wx.getUnlimitedQrCode(t, { scene: "x".repeat(32) })).bytes).includes("x".repeat(32)));
  });
});

describe("msg_sec_check", () => {
  test("pass, review and risky with the documented shape", async () => {
    const t = await token();
    const check = (content: string) => wx.msgSecCheck(t, { content, version: 2, scene: 2, openid: OPENID });
    const pass = await check("您好,请问订单什么时候发货?");
    assert.equal(pass.suggest, "pass");
    assert.equal(pass.label, 100);
    assert.match(pass.trace_id ?? "", /^[0-9a-f]+$/);
    assert.deepEqual(await check("这条消息待审").then((r) => [r.suggest, r.label]), ["review", 21000]);
    assert.deepEqual(await check("这是违规内容").then((r) => [r.suggest, r.label]), ["risky", 20001]);
    assert.equal((await check("some risky text")).suggest, "risky");
    assert.deepEqual(calls("msg_sec_check")[0].body, { content: "您好,请问订单什么时候发货?", version: 2, scene: 2, openid: OPENID });
  });

  test("documented errors", async () => {
    const t = await token();
    await rejectsWith(wx.msgSecCheck(t, { content: "hi", version: 2, scene: 2, openid: "x" }), E.INVALID_OPENID);
    await rejectsWith(wx.msgSecCheck(t, { content: "hi", version: 2, scene: 9 as 2, openid: OPENID }), E.INVALID_SCENE);
  });
});

describe("failure injection", () => {
  test("failNext fails the next N calls of one route only", async () => {
    fake.failNext("jscode2session", E.SYSTEM_BUSY, 2);
    fake.failNext("jscode2session", E.TOO_FREQUENT);
    const t = await token(); // other routes are unaffected
    assert.ok(t);
    await rejectsWith(wx.code2session("a"), E.SYSTEM_BUSY);
    await rejectsWith(wx.code2session("a"), E.SYSTEM_BUSY);
    await rejectsWith(wx.code2session("a"), E.TOO_FREQUENT);
    assert.equal((await wx.code2session("a")).openid, fakeOpenid("a"));
  });

  test("a slow route delays the answer, and the client times out", async () => {
    fake.setSlow("stable_token", 150);
    const started = Date.now();
    await token();
    assert.ok(Date.now() - started >= 140);
    const impatient = createWechatClient({ baseUrl: fake.url, appid: fake.appid, secret: fake.secret, timeoutMs: 50 });
    await rejectsUnreachable(impatient.stableToken(), "timeout");
    fake.setSlow("stable_token", 0);
    await impatient.stableToken();
  });

  test("a down route drops the connection", async () => {
    fake.setDown("jscode2session", true);
    await rejectsUnreachable(wx.code2session("a"), "network");
    assert.equal(calls("jscode2session").length, 1);
    await token();
    fake.setDown("jscode2session", false);
    await wx.code2session("a");
  });

  test("nothing listening", async () => {
    const gone = await startFakeWechat();
    await gone.close();
    await rejectsUnreachable(createWechatClient({ baseUrl: gone.url, appid: "a", secret: "s" }).stableToken(), "network");
  });

  test("unusable answers are bad_response", async () => {
    const stub = (body: string, type = "application/json") =>
      createWechatClient({
        baseUrl: "https://wechat.invalid",
        appid: "a",
        secret: "s",
        fetch: async () => new Response(body, { headers: { "content-type": type } }),
      });
    await rejectsUnreachable(stub("<html>502</html>", "text/html").stableToken(), "bad_response");
    await rejectsUnreachable(stub(JSON.stringify({ access_token: "t" })).stableToken(), "bad_response");
    await rejectsUnreachable(stub(JSON.stringify({ errcode: 0 })).getUnlimitedQrCode("t", { scene: "s" }), "bad_response");
    await rejectsWith(stub(JSON.stringify({ errcode: 45009, errmsg: "quota" })).getUnlimitedQrCode("t", { scene: "s" }), E.DAILY_QUOTA);
    // The bytes decide, not the header: a JSON error labelled as an image is still an error, a
    // JPEG labelled as anything is the code with its real type, and other bytes are unusable.
    await rejectsWith(stub(JSON.stringify({ errcode: 45009, errmsg: "quota" }), "image/jpeg").getUnlimitedQrCode("t", { scene: "s" }), E.DAILY_QUOTA);
    const sniffed = await createWechatClient({
      baseUrl: "https://wechat.invalid", appid: "a", secret: "s",
      fetch: async () => new Response(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), { headers: { "content-type": "image/png" } }),
    }).getUnlimitedQrCode("t", { scene: "s" });
    assert.equal(sniffed.contentType, "image/jpeg");
    await rejectsUnreachable(stub("<html>502</html>", "image/jpeg").getUnlimitedQrCode("t", { scene: "s" }), "bad_response");
  });

  test("a base URL with a path prefix keeps the prefix", async () => {
    const seen: string[] = [];
    const client = createWechatClient({
      baseUrl: "https://proxy.invalid/wechat/",
      appid: "a",
      secret: "s",
      fetch: async (input) => {
        seen.push(String(input));
        return Response.json({ access_token: "t", expires_in: 7200 });
      },
    });
    await client.stableToken();
    assert.deepEqual(seen, ["https://proxy.invalid/wechat/cgi-bin/stable_token"]);
  });
});

describe("control endpoints", () => {
  const post = (path: string, body?: unknown) =>
    fetch(`${fake.url}/__fake/${path}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });

  test("fail, slow, down, expire-tokens, requests and reset over HTTP", async () => {
    assert.equal((await post("fail", { route: "subscribe_send", errcode: E.BAD_TEMPLATE_DATA, times: 1 })).status, 200);
    const t = await token();
    await rejectsWith(wx.sendSubscribe(t, message()), E.BAD_TEMPLATE_DATA);
    await wx.sendSubscribe(t, message());

    assert.equal((await post("down", { route: "msg_sec_check", down: true })).status, 200);
    await rejectsUnreachable(wx.msgSecCheck(t, { content: "hi", version: 2, scene: 2, openid: OPENID }), "network");
    await post("down", { route: "msg_sec_check", down: false });

    await post("slow", { route: "jscode2session", ms: 100 });
    const started = Date.now();
    await wx.code2session("x");
    assert.ok(Date.now() - started >= 90);

    assert.equal((await post("expire-tokens")).status, 200);
    await rejectsWith(wx.sendSubscribe(t, message()), E.ACCESS_TOKEN_EXPIRED);

    const recorded = (await (await fetch(`${fake.url}/__fake/requests`)).json()) as { route: string; time: number }[];
    assert.deepEqual(recorded.map((r) => r.route), [
      "stable_token", "subscribe_send", "subscribe_send", "msg_sec_check", "jscode2session", "subscribe_send",
    ]);
    assert.ok(recorded.every((r) => typeof r.time === "number"));

    assert.equal((await post("reset")).status, 200);
    assert.equal(fake.requests.length, 0);
    await rejectsWith(wx.sendSubscribe(t, message()), E.INVALID_CREDENTIAL); // reset forgets tokens
  });

  test("bad control bodies get 400", async () => {
    assert.equal((await post("fail", { route: "nope", errcode: 1 })).status, 400);
    assert.equal((await post("slow", { route: "stable_token" })).status, 400);
    assert.equal((await post("down", "yes")).status, 400);
    assert.equal((await post("unknown")).status, 404);
    assert.equal(fake.requests.length, 0);
  });
});

describe("AccessTokenCache against the fake", () => {
  const newCache = () => new AccessTokenCache((force) => wx.stableToken(force));

  test("50 concurrent get() share one stable_token request", async () => {
    const cache = newCache();
    const tokens = await Promise.all(Array.from({ length: 50 }, () => cache.get()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(calls("stable_token").length, 1);
    await cache.get();
    assert.equal(calls("stable_token").length, 1);
  });

  test("after expireTokens, 20 concurrent withAccessToken calls refresh once and succeed", async () => {
    const cache = newCache();
    const old = await cache.get();
    fake.expireTokens();
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        withAccessToken(() => cache.get(), (bad) => cache.invalidate(bad), (t) => wx.sendSubscribe(t, message())),
      ),
    );
    assert.equal(results.length, 20);
    assert.ok(results.every((r) => typeof r.msgid === "number"));
    const tokenCalls = calls("stable_token");
    assert.equal(tokenCalls.length, 2, "exactly one extra stable_token request");
    const sends = calls("subscribe_send");
    assert.equal(sends.length, 40);
    assert.equal(sends.filter((r) => r.query.access_token === old).length, 20);
    assert.notEqual(await cache.get(), old);
  });

  test("a token WeChat rejects but still hands out is replaced with force_refresh", async () => {
    const cache = newCache();
    const first = await cache.get();
    fake.failNext("subscribe_send", E.INVALID_CREDENTIAL, 10);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, () =>
        withAccessToken(() => cache.get(), (bad) => cache.invalidate(bad), (t) => wx.sendSubscribe(t, message())),
      ),
    );
    // All 10 first attempts consumed the injected failures; the retries succeed.
    assert.ok(results.every((r) => r.status === "fulfilled"));
    assert.deepEqual(calls("stable_token").map((r) => (r.body as { force_refresh: boolean }).force_refresh), [false, false, true]);
    assert.notEqual(await cache.get(), first);
  });

  test("withAccessToken retries only once and only on token errors", async () => {
    const cache = newCache();
    const run = () => withAccessToken(() => cache.get(), (bad) => cache.invalidate(bad), (t) => wx.sendSubscribe(t, message()));
    fake.failNext("subscribe_send", E.ACCESS_TOKEN_EXPIRED, 2);
    await rejectsWith(run(), E.ACCESS_TOKEN_EXPIRED);
    assert.equal(calls("subscribe_send").length, 2);
    fake.failNext("subscribe_send", E.NO_SUBSCRIBE_GRANT);
    await rejectsWith(run(), E.NO_SUBSCRIBE_GRANT);
    assert.equal(calls("subscribe_send").length, 3);
  });
});

describe("AccessTokenCache logic", () => {
  function stubbed(expiresIn = 7200) {
    let clock = 1_000_000;
    let n = 0;
    const forces: boolean[] = [];
    let handOut: string | null = null; // when set, the fetcher returns this token (non-forced)
    const cache = new AccessTokenCache(async (force) => {
      forces.push(force);
      await new Promise((r) => setTimeout(r, 5));
      if (!force && handOut) return { access_token: handOut, expires_in: expiresIn };
      return { access_token: `t${++n}`, expires_in: expiresIn };
    }, () => clock);
    return {
      cache,
      forces,
      advance: (ms: number) => void (clock += ms),
      handOut: (token: string | null) => void (handOut = token),
    };
  }

  test("refreshes when fewer than 5 minutes remain", async () => {
    const s = stubbed();
    assert.equal(await s.cache.get(), "t1");
    s.advance(7200_000 - REFRESH_MARGIN_MS - 1);
    assert.equal(await s.cache.get(), "t1");
    s.advance(2);
    assert.equal(await s.cache.get(), "t2");
    assert.deepEqual(s.forces, [false, false]);
  });

  test("a short-lived token is not fetched again on every call", async () => {
    const s = stubbed(200); // less than the 5-minute margin
    await s.cache.get();
    await s.cache.get();
    s.advance(99_000);
    await s.cache.get();
    assert.equal(s.forces.length, 1);
    s.advance(2_000);
    await s.cache.get();
    assert.equal(s.forces.length, 2);
  });

  test("a failed fetch is not cached", async () => {
    let fail = true;
    const cache = new AccessTokenCache(async () => {
      if (fail) throw new WechatUnreachableError("stable_token", "network");
      return { access_token: "good", expires_in: 7200 };
    });
    await assert.rejects(Promise.all([cache.get(), cache.get()]), WechatUnreachableError);
    fail = false;
    assert.equal(await cache.get(), "good");
  });

  test("invalidate ignores a token that was already replaced", async () => {
    const s = stubbed();
    const t1 = await s.cache.get();
    assert.equal(await s.cache.invalidate(t1), "t2");
    assert.equal(await s.cache.invalidate(t1), "t2");
    assert.equal(await s.cache.invalidate("some-old-token"), "t2");
    assert.deepEqual(s.forces, [false, false]);
  });

  test("concurrent invalidations of one token refresh once; force only if WeChat hands the bad token back", async () => {
    const s = stubbed();
    const t1 = await s.cache.get();
    s.handOut(t1);
    const fresh = await Promise.all(Array.from({ length: 20 }, () => s.cache.invalidate(t1)));
    assert.deepEqual(new Set(fresh), new Set(["t2"]));
    assert.deepEqual(s.forces, [false, false, true]);
  });

  test("invalidate while a get() fetch is in flight joins it", async () => {
    const s = stubbed();
    const pending = s.cache.get();
    const viaInvalidate = s.cache.invalidate("stale-from-before-restart");
    assert.equal(await pending, "t1");
    assert.equal(await viaInvalidate, "t1");
    assert.deepEqual(s.forces, [false]);
  });
});
