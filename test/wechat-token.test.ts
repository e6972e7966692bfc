// The app's one access token (WechatTokenRoom), against wrangler dev and the fake WeChat:
// shared by concurrent requests, by the Worker and the rooms, refreshed once when WeChat rejects it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { LoginResult } from "../protocol";
import {
  ALWAYS_WORKING,
  api,
  conversationPath,
  enter,
  loginCustomer,
  loginStaff,
  RawSocket,
  useTestSystem,
} from "./harness";

let admin: LoginResult;
const sys = useTestSystem({ extraSql: ALWAYS_WORKING }, async () => {
  admin = await loginStaff(sys, "admin", "admin123");
});

const calls = (route: string) => sys.wechat.requests.filter((r) => r.route === route);
const tokenOf = (r: { query: Record<string, string> }) => r.query.access_token;
const generateQrcode = () => api(sys, "/api/admin/staff/s_vip01/qrcode", { method: "POST", token: admin.token });

/** Counts of calls made from now on, for tests that must not depend on what ran before them. */
function since() {
  const start = { stable: calls("stable_token").length, codes: calls("getwxacodeunlimit").length, checks: calls("msg_sec_check").length };
  return {
    stableTokenCalls: () => calls("stable_token").length - start.stable,
    codes: () => calls("getwxacodeunlimit").slice(start.codes),
    checks: () => calls("msg_sec_check").slice(start.checks),
  };
}

/** The token the app holds now: the one its latest successful call used. */
async function currentToken(): Promise<string> {
  const seen = since();
  assert.equal((await generateQrcode()).status, 201);
  return tokenOf(seen.codes().at(-1)!);
}

describe("shared access token", () => {
  it("50 concurrent requests needing a token cause at most one stable_token call", async () => {
    // A system that never fetched a token fetches one; one that has one fetches none.
    const expected = calls("stable_token").length === 0 ? 1 : 0;
    const seen = since();
    const results = await Promise.all(Array.from({ length: 50 }, generateQrcode));
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set([201]));
    assert.equal(seen.stableTokenCalls(), expected);
    const codes = seen.codes();
    assert.equal(codes.length, 50);
    assert.equal(new Set(codes.map(tokenOf)).size, 1);
    assert.ok(tokenOf(codes[0]));
  });

  it("an expired-token answer causes one refresh and a successful retry", async () => {
    const old = await currentToken();
    sys.wechat.expireTokens();
    const seen = since();
    const res = await generateQrcode();
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(seen.stableTokenCalls(), 1);
    const attempts = seen.codes();
    assert.equal(attempts.length, 2);
    assert.equal(tokenOf(attempts[0]), old);
    assert.notEqual(tokenOf(attempts[1]), old);
  });

  it("many requests meeting one expired token refresh it once", async () => {
    await currentToken();
    sys.wechat.expireTokens();
    const seen = since();
    const results = await Promise.all(Array.from({ length: 10 }, generateQrcode));
    assert.deepEqual(new Set(results.map((r) => r.status)), new Set([201]));
    assert.equal(seen.stableTokenCalls(), 1);
  });

  it("the conversation rooms use the same token", async () => {
    const current = await currentToken();
    const seen = since();
    const customer = await loginCustomer(sys, "token-shared");
    const entry = await enter(sys, customer.token);
    const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "token-shared-1", content: { kind: "text", text: "你好" } });
    await socket.waitFor("ack", (f) => f.clientId === "token-shared-1", 15_000);
    const checks = seen.checks();
    assert.equal(checks.length, 1);
    assert.equal(tokenOf(checks[0]), current);
    assert.equal(seen.stableTokenCalls(), 0);
    socket.close();
  });
});
