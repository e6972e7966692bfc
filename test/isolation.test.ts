// Isolation and bad input: who may join which room, forged and expired tokens, malformed frames and bodies.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { signToken } from "../domain/auth/token";
import {
  ALWAYS_WORKING,
  api,
  conversationPath,
  enter,
  eventually,
  loginCustomer,
  loginStaff,
  RawSocket,
  staffPath,
  startedConversation,
  TEST_SECRET,
  useTestSystem,
  staffCodeOf,
} from "./harness";

const sys = useTestSystem({ extraSql: ALWAYS_WORKING });

async function refused(path: string, token?: string): Promise<string> {
  const socket = new RawSocket(sys, path, token);
  try {
    await socket.opened;
  } catch (error) {
    return String(error);
  }
  socket.close();
  return "opened";
}

async function conversationWithMessage() {
  const { customer, entry, socket } = await startedConversation(sys, "在吗");
  socket.close();
  return { customer, entry };
}

describe("who may join and read", () => {
  it("keeps customers out of each other's conversations", async () => {
    const { entry } = await conversationWithMessage();
    const stranger = await loginCustomer(sys);
    assert.match(await refused(conversationPath(entry.conversationId), stranger.token), /HTTP 404/);
    const res = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: stranger.token });
    assert.equal(res.status, 404);
    assert.equal(res.body.code, "not_found");
  });

  it("keeps staff out of colleagues' conversations, lets supervisors and admins in", async () => {
    const { entry } = await conversationWithMessage();
    const other = staffCodeOf(entry.staff) === "kf01" ? "kf02" : "kf01";
    const colleague = await loginStaff(sys, other);
    assert.match(await refused(conversationPath(entry.conversationId), colleague.token), /HTTP 403/);
    const denied = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: colleague.token });
    assert.equal(denied.status, 403);
    const inbox = await api(sys, "/api/staff/conversations", { token: colleague.token });
    assert.ok(inbox.body.items.every((i: any) => i.staffId === colleague.id));
    const peek = await api(sys, `/api/staff/conversations?staffId=${entry.staff.id}`, { token: colleague.token });
    assert.equal(peek.status, 403);

    for (const [code, password] of [["sup01", "demo123"], ["admin", "admin123"]]) {
      const boss = await loginStaff(sys, code, password);
      const socket = new RawSocket(sys, conversationPath(entry.conversationId), boss.token);
      await socket.opened;
      const state = await socket.waitFor("conversation");
      assert.equal(state.conversation.id, entry.conversationId);
      socket.close();
      const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: boss.token });
      assert.equal(history.status, 200);
      assert.equal(history.body.messages[0].text, "在吗");
      // The inbox list reads D1, which has the conversation's first message with the room's next copy.
      await eventually(async () => {
        const all = await api(sys, "/api/staff/conversations", { token: boss.token });
        return all.body.items.some((i: any) => i.id === entry.conversationId);
      }, 5000, "conversation listed");
    }
  });

  it("lets a staff member open only their own staff room", async () => {
    const kf01 = await loginStaff(sys, "kf01");
    const kf02 = await loginStaff(sys, "kf02");
    assert.match(await refused(staffPath(kf02.id), kf01.token), /HTTP 403/);
    const customer = await loginCustomer(sys);
    assert.match(await refused(staffPath(kf01.id), customer.token), /HTTP 403/);
  });

  it("refuses forged, expired and missing tokens", async () => {
    const { entry, customer } = await conversationWithMessage();
    const expired = await signToken(TEST_SECRET, { sub: customer.id, role: "customer", exp: Date.now() - 1000 });
    const forged = await signToken("another-secret-of-sufficient-length", { sub: customer.id, role: "customer", exp: Date.now() + 60_000 });
    const [payload, signature] = customer.token.split(".");
    const promoted = Buffer.from(JSON.stringify({ sub: customer.id, role: "admin", exp: Date.now() + 60_000 })).toString("base64url");
    for (const token of [expired, forged, `${promoted}.${signature}`, `${payload}.`, "garbage", undefined]) {
      assert.match(await refused(conversationPath(entry.conversationId), token), /HTTP 401/, `socket with ${token}`);
      const res = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token });
      assert.equal(res.status, 401, `http with ${token}`);
      assert.equal(res.body.code, "unauthorized");
    }
    const admin = await api(sys, "/api/admin/settings", { token: customer.token });
    assert.equal(admin.status, 403);
  });
});

describe("bad input changes nothing", () => {
  it("answers malformed frames with error frames and keeps the conversation intact", async () => {
    const { entry, customer } = await conversationWithMessage();
    const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await socket.opened;
    const bad = [
      "not json",
      "{}",
      JSON.stringify({ type: "send" }),
      JSON.stringify({ type: "send", clientId: "short", content: { kind: "text", text: "x" } }),
      JSON.stringify({ type: "send", clientId: "valid-client-id-1", content: { kind: "text", text: "" } }),
      JSON.stringify({ type: "send", clientId: "valid-client-id-2", content: { kind: "text", text: "长".repeat(2001) } }),
      JSON.stringify({ type: "send", clientId: "valid-client-id-3", content: { kind: "image", mediaKey: "../../etc/passwd" } }),
      JSON.stringify({ type: "send", clientId: "valid-client-id-4", content: { kind: "image", mediaKey: "media/c_other/abc" } }),
      JSON.stringify({ type: "read", seq: -1 }),
      JSON.stringify({ type: "sync", after: "zero" }),
      JSON.stringify({ type: "drop-tables" }),
    ];
    for (const frame of bad) socket.send(frame);
    const errorsExpected = bad.length;
    await eventually(() => socket.frames.filter((f) => f.type === "error").length >= errorsExpected, 10_000, "an error frame per bad frame").catch(() => undefined);
    const errors = socket.frames.filter((f) => f.type === "error");
    assert.equal(errors.length, errorsExpected, JSON.stringify(socket.frames));
    for (const e of errors) assert.ok(e.type === "error" && e.message.length > 0 && ["bad_frame"].includes(e.code));
    // The socket still works and nothing was stored by the bad frames.
    socket.send({ type: "send", clientId: "after-bad-frames", content: { kind: "text", text: "正常消息" } });
    const ack = await socket.waitFor("ack", (f) => f.clientId === "after-bad-frames");
    assert.equal(ack.seq, 2);
    const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: customer.token });
    assert.deepEqual(history.body.messages.map((m: any) => m.text), ["在吗", "正常消息"]);
    socket.close();
  });

  it("answers malformed bodies with 4xx {code, message}", async () => {
    const customer = await loginCustomer(sys);
    const cases: [string, { raw?: string; body?: unknown; token?: string }][] = [
      ["/api/auth/customer", { raw: "{not json" }],
      ["/api/auth/customer", { body: { code: 42 } }],
      ["/api/auth/customer", { body: { code: "bad-code" } }],
      ["/api/auth/staff", { body: { code: "kf01", password: "wrong" } }],
      ["/api/auth/staff", { body: { code: "kf01" } }],
      ["/api/entry", { body: { scene: "x".repeat(40) }, token: customer.token }],
      ["/api/entry", { body: { scene: "带中文" }, token: customer.token }],
    ];
    for (const [path, init] of cases) {
      const res = await api(sys, path, init.raw ? { raw: init.raw, token: init.token, headers: { "content-type": "application/json" } } : init);
      assert.ok(res.status >= 400 && res.status < 500, `${path} ${JSON.stringify(init)} → ${res.status}`);
      assert.equal(typeof res.body.code, "string");
      assert.equal(typeof res.body.message, "string");
    }
    const unknown = await api(sys, "/api/nothing-here");
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, "not_found");
    for (const path of ["/parties/no-such-party/x", "/parties/wechat-token-room/app", "/parties/conversation-room/x", "/parties/staff-room/a/b"]) {
      const res = await api(sys, path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.code, "not_found", path);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/, path);
    }
  });
});
