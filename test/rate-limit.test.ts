// Edge rate limits in the running system (the policies themselves: test/unit/rate-limit.test.ts).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { conversationsSql, customersSql, mintToken, newConversationId } from "../scripts/fixtures";
import { api, conversationPath, eventually, RawSocket, startTestSystem, TEST_SECRET, type TestSystem } from "./harness";

describe("edge rate limits in the running system", () => {
  let sys: TestSystem;
  const customerId = "u_ratelimit01";
  const conversationId = newConversationId();
  before(async () => {
    sys = await startTestSystem({
      extraSql: [customersSql([{ id: customerId }]), conversationsSql([{ id: conversationId, customerId, staffId: "s_kf01", status: "active" }])].join("\n"),
      vars: { RATE_LIMITS: "login_ip=4/60,login_account=2/60,socket_token=2/60,send_identity=3/60,upload_token=1/60" },
    });
  });
  after(async () => {
    await sys?.close();
  });

  it("limits staff login per account and per IP with 429, Retry-After and a JSON error", async () => {
    const login = (code: string) => api(sys, "/api/auth/staff", { body: { code, password: "wrong-password" } });
    assert.equal((await login("kf01")).status, 401);
    assert.equal((await login("kf01")).status, 401);
    const perAccount = await login("kf01");
    assert.equal(perAccount.status, 429);
    assert.equal(perAccount.body.code, "rate_limited");
    assert.match(perAccount.body.message, /频繁/);
    const retryAfter = Number(perAccount.headers.get("retry-after"));
    assert.ok(retryAfter >= 1 && retryAfter <= 30, `Retry-After ${retryAfter}`);
    // Another account from the same IP gets one more try, then the IP is out of tokens.
    assert.equal((await login("kf02")).status, 401);
    const perIp = await login("kf02");
    assert.equal(perIp.status, 429);
    assert.ok(Number(perIp.headers.get("retry-after")) >= 1);
    // Customer login shares the IP bucket.
    assert.equal((await api(sys, "/api/auth/customer", { body: { code: "any-code" } })).status, 429);
  });

  it("limits socket upgrades per token and message sends per socket, without acking refused sends", async () => {
    const token = await mintToken(TEST_SECRET, customerId, "customer");
    const first = new RawSocket(sys, conversationPath(conversationId), token);
    await first.opened;
    const second = new RawSocket(sys, conversationPath(conversationId), token);
    await second.opened;
    second.close();
    const third = new RawSocket(sys, conversationPath(conversationId), token);
    await assert.rejects(third.opened, /HTTP 429/);

    const ids = ["rl-send-0001", "rl-send-0002", "rl-send-0003", "rl-send-0004", "rl-send-0005"];
    for (const clientId of ids) first.send({ type: "send", clientId, content: { kind: "text", text: `第${clientId}条` } });
    await eventually(() => first.frames.filter((f) => f.type === "ack" || f.type === "error").length === 5, 10_000, "five answers");
    const acked = first.frames.flatMap((f) => (f.type === "ack" ? [f.clientId] : []));
    const refused = first.frames.flatMap((f) => (f.type === "error" && f.code === "rate_limited" ? [f.clientId] : []));
    assert.deepEqual(acked, ids.slice(0, 3));
    assert.deepEqual(refused, ids.slice(3));
    first.close();

    const staffToken = await mintToken(TEST_SECRET, "s_kf01", "staff");
    const history = await api(sys, `/api/conversations/${conversationId}/messages`, { token: staffToken });
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.messages.map((m: { clientId: string }) => m.clientId),
      ids.slice(0, 3),
    );
  });

  it("limits uploads per token", async () => {
    const token = await mintToken(TEST_SECRET, customerId, "customer");
    const form = () => {
      const f = new FormData();
      f.set("conversationId", conversationId);
      f.set("file", new Blob([new Uint8Array([1, 2, 3])]), "x.bin");
      return f;
    };
    const firstTry = await api(sys, "/api/media", { token, raw: form() });
    assert.equal(firstTry.status, 415);
    const secondTry = await api(sys, "/api/media", { token, raw: form() });
    assert.equal(secondTry.status, 429);
    assert.equal(secondTry.body.code, "rate_limited");
  });
});

describe("limits per identity, not per socket", () => {
  let sys: TestSystem;
  const ids = [1, 2, 3, 4, 5].map(() => newConversationId());
  const conv = (n: number) => ids[n - 1];
  before(async () => {
    sys = await startTestSystem({
      extraSql: [
        customersSql([1, 2, 3, 4, 5].map((n) => ({ id: `u_idlim${n}` }))),
        conversationsSql([1, 2, 3, 4, 5].map((n) => ({ id: conv(n), customerId: `u_idlim${n}`, staffId: "s_kf01", status: "active" as const }))),
      ].join("\n"),
      vars: { RATE_LIMITS: "sockets_identity=2/60,send_identity=5/60,sync_identity=3/60,sync_bytes=1000/60,typing_identity=2/60" },
    });
  });
  after(async () => {
    await sys?.close();
  });

  const customerToken = (n: number) => mintToken(TEST_SECRET, `u_idlim${n}`, "customer");
  const open = async (n: number, token: string) => {
    const socket = new RawSocket(sys, conversationPath(conv(n)), token);
    await socket.opened;
    return socket;
  };

  it("caps the sockets one identity holds open, and frees a place when one closes", async () => {
    const token = await customerToken(1);
    const first = await open(1, token);
    await open(1, token);
    await assert.rejects(new RawSocket(sys, conversationPath(conv(1)), token).opened, /HTTP 429/);
    first.close();
    await eventually(() => new RawSocket(sys, conversationPath(conv(1)), token).opened.then(() => true), 20_000, "a place after a close");
  });

  it("counts sends of one identity over all its sockets", async () => {
    const token = await customerToken(2);
    const sockets = [await open(2, token), await open(2, token)];
    const ids = Array.from({ length: 8 }, (_, i) => `idlim-send-${i}`);
    ids.forEach((clientId, i) => sockets[i % 2].send({ type: "send", clientId, content: { kind: "text", text: `消息${i}` } }));
    const answered = () => sockets.flatMap((s) => s.frames.filter((f) => (f.type === "ack" || f.type === "error") && "clientId" in f && f.clientId?.startsWith("idlim-send")));
    await eventually(() => answered().length >= ids.length, 10_000, "every send answered");
    assert.equal(answered().filter((f) => f.type === "ack").length, 5);
  });

  it("throttles sync frames, and the bytes they pull", async () => {
    const quiet = await open(3, await customerToken(3));
    for (let i = 0; i < 4; i++) quiet.send({ type: "sync", after: 0 });
    await eventually(() => quiet.frames.filter((f) => f.type === "synced" || f.type === "error").length === 4, 10_000, "four answers");
    assert.equal(quiet.frames.filter((f) => f.type === "synced").length, 3);
    assert.equal(quiet.frames.filter((f) => f.type === "error" && f.code === "rate_limited").length, 1);

    const busy = await open(4, await customerToken(4));
    for (let i = 0; i < 3; i++) busy.send({ type: "send", clientId: `idlim-big-${i}`, content: { kind: "text", text: "长".repeat(500) } });
    await eventually(() => busy.frames.filter((f) => f.type === "ack").length === 3, 10_000, "three acks");
    busy.send({ type: "sync", after: 0 });
    await busy.waitFor("synced");
    busy.send({ type: "sync", after: 0 });
    const refused = await busy.waitFor("error", (f) => f.code === "rate_limited");
    assert.equal(refused.code, "rate_limited");
  });

  it("throttles typing frames of one identity", async () => {
    const customer = await open(5, await customerToken(5));
    const staff = new RawSocket(sys, conversationPath(conv(5)), await mintToken(TEST_SECRET, "s_kf01", "staff"));
    await staff.opened;
    for (let i = 0; i < 4; i++) customer.send({ type: "typing" });
    customer.send({ type: "send", clientId: "idlim-after-typing", content: { kind: "text", text: "打完字了" } });
    await staff.waitFor("message", (f) => f.message.clientId === "idlim-after-typing");
    assert.equal(staff.frames.filter((f) => f.type === "typing").length, 2);
  });
});
