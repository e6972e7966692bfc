// The H5 page's production sign-in in Chromium against wrangler dev and the fake WeChat, with
// guest sign-in off: WeChat web authorization inside WeChat's browser (a MicroMessenger user
// agent), and a staff member's one-time entry link outside it; and the per-IP limit on links.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { ENTRY_LINK_TTL_MS, signEntryLink } from "../domain/auth/h5-entry";
import { FAKE_OA_APPID, FAKE_OA_SECRET, fakeOpenid } from "../fake-wechat/server";
import type { H5EntryLink } from "../protocol";
import { launchChromium } from "../scripts/browser";
import { buildAssets } from "../scripts/build-assets";
import { ALWAYS_WORKING, api, enter, loginCustomer, loginStaff, RawSocket, staffPath, startTestSystem, TEST_SECRET, type TestSystem } from "./harness";

const WECHAT_UA =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323d) NetType/WIFI Language/zh_CN";
const PRODUCTION = { ALLOW_GUEST: "false", WECHAT_OA_APPID: FAKE_OA_APPID, WECHAT_OA_SECRET: FAKE_OA_SECRET };

let sys: TestSystem;
let browser: Browser;
before(async () => {
  if (!process.env.KEFU_ASSETS_BUILT) await buildAssets();
  sys = await startTestSystem({ extraSql: ALWAYS_WORKING, vars: PRODUCTION });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await sys?.close();
});

const contexts: BrowserContext[] = [];
after(() => Promise.all(contexts.map((c) => c.close())));
async function phone(userAgent?: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: "zh-CN", ...(userAgent ? { userAgent } : {}) });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

/** The staff member's inbox socket: online, so an exclusive entry reaches them. */
async function online(staffCode: string): Promise<RawSocket> {
  const host = await loginStaff(sys, staffCode);
  const feed = new RawSocket(sys, staffPath(host.id), host.token);
  await feed.opened;
  return feed;
}

/** Types a message in the H5 page, waits for the staff member's inbox to show it; the conversation id. */
async function chat(page: Page, feed: RawSocket, text: string): Promise<string> {
  await page.locator(".input").fill(text);
  await page.locator(".send-btn").click();
  await page.locator(".row.mine .text", { hasText: text }).waitFor();
  const inbox = await feed.waitFor("inbox", (f) => f.item.lastMessagePreview === text, 20_000);
  feed.close();
  return inbox.item.id;
}

const oauthExchanges = () => sys.wechat.requests.filter((r) => r.route === "sns_oauth2");

/** A code from the fake's authorize page, as WeChat's browser would get it (no page involved). */
async function authorizeCode(state: string, on = sys, scope = "snsapi_base"): Promise<string> {
  const target = new URL("/connect/oauth2/authorize", on.wechat.url);
  for (const [k, v] of Object.entries({ appid: FAKE_OA_APPID, redirect_uri: `${on.url}/h5/`, response_type: "code", scope, state })) target.searchParams.set(k, v);
  const res = await fetch(target, { headers: { "user-agent": WECHAT_UA }, redirect: "manual" });
  assert.equal(res.status, 302);
  return new URL(res.headers.get("location")!).searchParams.get("code")!;
}

describe("H5 inside WeChat: web authorization", () => {
  it("goes through WeChat's authorize page, signs in with the official-account openid and chats", async () => {
    sys.wechat.setOauthUser("h5-wechat-user");
    const seen = sys.wechat.requests.length;
    const since = () => sys.wechat.requests.slice(seen);
    const feed = await online("vip01");
    const page = await phone(WECHAT_UA);
    await page.goto(`${sys.url}/h5/?scene=vip01`);
    await page.locator(".staff-name", { hasText: "陈顾问" }).waitFor();
    assert.equal(await page.locator(".guest-banner").count(), 0, "not a guest");
    // Back on the H5 page without the code and state in the address.
    assert.deepEqual([...new URL(page.url()).searchParams.keys()], ["scene"]);

    const authorize = since().find((r) => r.path === "/connect/oauth2/authorize");
    assert.ok(authorize);
    assert.equal(authorize.query.appid, FAKE_OA_APPID);
    assert.equal(authorize.query.scope, "snsapi_base");
    assert.equal(authorize.query.redirect_uri, `${sys.url}/h5/?scene=vip01`);
    assert.match(authorize.query.state, /^[a-zA-Z0-9]{1,128}$/);
    assert.equal(since().filter((r) => r.route === "sns_oauth2").length, 1);

    const conversationId = await chat(page, feed, "我在微信里打开的网页");
    // msg_sec_check needs a mini program openid: an official-account customer's text is flagged for staff.
    const vip = await loginStaff(sys, "vip01");
    const stored = await api(sys, `/api/conversations/${conversationId}/messages`, { token: vip.token });
    assert.deepEqual(stored.body.messages.map((m: { text: string; flagged: boolean }) => [m.text, m.flagged]), [["我在微信里打开的网页", true]]);
    assert.equal(since().filter((r) => r.route === "msg_sec_check").length, 0);
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kefu:h5:customer") ?? "{}").token as string);
    const me = await api(sys, "/api/auth/me", { token });
    assert.equal(me.status, 200);
    assert.equal(me.body.role, "customer");
    // Signing in again as the same WeChat user is the same customer.
    const again = await phone(WECHAT_UA);
    await again.goto(`${sys.url}/h5/`);
    await again.locator(".staff-name").waitFor();
    const againToken = await again.evaluate(() => JSON.parse(localStorage.getItem("kefu:h5:customer") ?? "{}").token as string);
    assert.equal((await api(sys, "/api/auth/me", { token: againToken })).body.id, me.body.id);
  });

  it("refuses a replayed code with a clear message", async () => {
    const page = await phone(WECHAT_UA);
    await page.goto(`${sys.url}/h5/`);
    await page.locator(".staff-name").waitFor();
    const used = oauthExchanges().at(-1)!.query.code;
    const start = await api(sys, "/api/auth/h5/wechat/start", { body: {} });
    // The page that started the flow holds the state, so only WeChat's answer can be refused.
    await page.evaluate((state) => sessionStorage.setItem("kefu:h5:oauth-state", state), start.body.state);
    await page.goto(`${sys.url}/h5/?code=${used}&state=${start.body.state}`);
    await page.locator(".error", { hasText: "登录凭证已使用，请重新进入" }).waitFor();
    const replay = await api(sys, "/api/auth/h5/wechat", { body: { code: used, state: (await api(sys, "/api/auth/h5/wechat/start", { body: {} })).body.state } });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.message, "登录凭证已使用，请重新进入");
  });

  it("refuses a state this browser or this server did not issue", async () => {
    const page = await phone(WECHAT_UA);
    const code = await authorizeCode("forged");
    await page.goto(`${sys.url}/h5/?code=${code}&state=forged`);
    await page.locator(".error", { hasText: "授权已失效，请重新打开页面" }).waitFor();
    const before = oauthExchanges().length;
    const forged = await api(sys, "/api/auth/h5/wechat", { body: { code, state: "forged" } });
    assert.equal(forged.status, 400);
    assert.equal(forged.body.message, "授权已失效，请重新打开页面");
    // A state signed by another secret, or one whose time is up.
    const { state } = (await api(sys, "/api/auth/h5/wechat/start", { body: {} })).body;
    const tampered = state.slice(0, -1) + (state.endsWith("0") ? "1" : "0");
    assert.equal((await api(sys, "/api/auth/h5/wechat", { body: { code, state: tampered } })).status, 400);
    const expired = `${(Date.now() - 1000).toString(36)}${state.slice(state.indexOf("Z"))}`;
    assert.equal((await api(sys, "/api/auth/h5/wechat", { body: { code, state: expired } })).status, 400);
    assert.equal(oauthExchanges().length, before, "WeChat was never asked");
    // The code is still good with the real state.
    assert.equal((await api(sys, "/api/auth/h5/wechat", { body: { code, state } })).status, 200);
  });

  it("is refused by WeChat's authorize page for a redirect_uri outside the 网页授权域名", async () => {
    const { url } = (await api(sys, "/api/auth/h5/wechat/start", { body: {} })).body;
    const foreign = new URL(url);
    foreign.searchParams.set("redirect_uri", "https://elsewhere.example/h5/");
    const res = await fetch(foreign, { headers: { "user-agent": WECHAT_UA }, redirect: "manual" });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /10003 redirect_uri域名与后台配置不一致/);
  });

  it("is refused by WeChat's authorize page outside WeChat's browser", async () => {
    const { url } = (await api(sys, "/api/auth/h5/wechat/start", { body: { scene: "vip01" } })).body;
    assert.ok(url.endsWith("#wechat_redirect"));
    const res = await fetch(url, { redirect: "manual" });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /请在微信客户端打开链接/);
  });
});

describe("H5 outside WeChat: one-time entry link", () => {
  async function customerOf(staffCode: string) {
    const customer = await loginCustomer(sys);
    await enter(sys, customer.token, staffCode);
    return customer;
  }

  it("without a link there is no way in (guest sign-in is off)", async () => {
    const page = await phone();
    await page.goto(`${sys.url}/h5/`);
    await page.locator(".error", { hasText: "请在微信中打开本页面，或向客服索取专属链接" }).waitFor();
  });

  it("signs the customer in once, with the staff member who made it; refused the second time", async () => {
    const feed = await online("vip01");
    const customer = await customerOf("vip01");
    const vip = await loginStaff(sys, "vip01");
    const created = await api<H5EntryLink>(sys, `/api/customers/${customer.id}/h5-link`, { method: "POST", token: vip.token });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.ok(created.body.url.startsWith(`${sys.url}/h5/?link=`));
    // A staff member cannot make one for a customer they never served.
    const stranger = await loginCustomer(sys);
    assert.equal((await api(sys, `/api/customers/${stranger.id}/h5-link`, { method: "POST", token: vip.token })).status, 403);

    const page = await phone();
    await page.goto(created.body.url);
    await page.locator(".staff-name", { hasText: "陈顾问" }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get("link"), null, "the link leaves the address");
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("kefu:h5:customer") ?? "{}").token as string);
    assert.equal((await api(sys, "/api/auth/me", { token })).body.id, customer.id);
    await chat(page, feed, "通过客服发的链接进来的");

    const second = await phone();
    await second.goto(created.body.url);
    await second.locator(".error", { hasText: "链接已使用过，请联系客服重新获取" }).waitFor();
  });

  it("is refused after it expires, and when forged", async () => {
    const customer = await customerOf("vip01");
    const { link } = await signEntryLink(TEST_SECRET, customer.id, "s_vip01", Date.now() - ENTRY_LINK_TTL_MS - 1000);
    const page = await phone();
    await page.goto(`${sys.url}/h5/?link=${encodeURIComponent(link)}`);
    await page.locator(".error", { hasText: "链接无效或已过期，请联系客服重新获取" }).waitFor();
    // Signed with another secret (or a login token passed off as a link).
    const forged = await signEntryLink("not-the-server-secret-at-all", customer.id, "s_vip01");
    assert.equal((await api(sys, "/api/auth/h5/link", { body: { link: forged.link } })).status, 401);
    assert.equal((await api(sys, "/api/auth/h5/link", { body: { link: customer.token } })).status, 401);
  });
});

describe("a second system: snsapi_userinfo and a tight entry-link limit", () => {
  let other: TestSystem;
  before(async () => {
    other = await startTestSystem({ vars: { ...PRODUCTION, WECHAT_OA_SCOPE: "snsapi_userinfo", RATE_LIMITS: "h5_link_ip=3/60" } });
  });
  after(() => other?.close());

  it("limits entry links per client IP with 429 and Retry-After", async () => {
    const tryLink = () => api(other, "/api/auth/h5/link", { body: { link: "guess.guess" } });
    for (let i = 0; i < 3; i++) assert.equal((await tryLink()).status, 401);
    const refused = await tryLink();
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, "rate_limited");
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
  });

  /** Signs in on the H5 page through web authorization as the fake's current user. */
  async function webSignIn(): Promise<string> {
    const { url, state } = (await api(other, "/api/auth/h5/wechat/start", { body: {} })).body;
    assert.equal(new URL(url).searchParams.get("scope"), "snsapi_userinfo");
    const res = await api(other, "/api/auth/h5/wechat", { body: { code: await authorizeCode(state, other, "snsapi_userinfo"), state } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  it("makes one customer of the mini program and the H5 page when WeChat gives the same unionid", async () => {
    // Mini program first, then the H5 page.
    other.wechat.setUnionid(fakeOpenid("mp-union-a"), "oUnionPersonA0000000000001");
    other.wechat.setOauthUser("union-a", { unionid: "oUnionPersonA0000000000001" });
    const mini = await loginCustomer(other, "mp-union-a");
    assert.equal(await webSignIn(), mini.id);
    // The H5 page first, then the mini program.
    other.wechat.setUnionid(fakeOpenid("mp-union-b"), "oUnionPersonB0000000000001");
    other.wechat.setOauthUser("union-b", { unionid: "oUnionPersonB0000000000001" });
    const web = await webSignIn();
    assert.equal((await loginCustomer(other, "mp-union-b")).id, web);
    assert.equal((await loginCustomer(other, "mp-union-b")).id, web, "and stays one");
    // Without a unionid the H5 customer is a customer of their own.
    other.wechat.setOauthUser("no-union");
    const alone = await webSignIn();
    assert.notEqual(alone, mini.id);
    assert.notEqual(alone, web);
  });
});
