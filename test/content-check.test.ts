// Content check of customer text with msg_sec_check, against wrangler dev and the fake WeChat.
import assert from "node:assert/strict";
import { FAILURES_TO_PAUSE } from "../domain/wechat/check-breaker";
import { after, before, describe, it } from "node:test";
import { queryJson } from "../scripts/wrangler";
import type { LoginResult, Message } from "../protocol";
import { fakeOpenid } from "../fake-wechat/server";
import {
  ALWAYS_WORKING,
  api,
  conversationPath,
  enter,
  eventually,
  loginCustomer,
  loginStaff,
  RawSocket,
  type TestSystem,
  startTestSystem,
  staffCodeOf,
} from "./harness";

const WAIT = 15_000;
const CODE = "content-check-customer";

let sys: TestSystem;
let customer: LoginResult;
let staff: LoginResult;
let conversationId: string;
let counter = 0;
/** How long checks pause after failures in a row (the default is 30 s). */
const PAUSE_MS = 3000;

before(async () => {
  sys = await startTestSystem({ extraSql: ALWAYS_WORKING, vars: { CONTENT_CHECK_PAUSE_MS: String(PAUSE_MS) } });
  customer = await loginCustomer(sys, CODE);
  const entry = await enter(sys, customer.token);
  conversationId = entry.conversationId;
  staff = await loginStaff(sys, staffCodeOf(entry.staff));
});
after(async () => {
  await sys?.close();
});

const secChecks = () => sys.wechat.requests.filter((r) => r.route === "msg_sec_check");

/** The ack and error frames a socket got for one message. */
const answers = (on: RawSocket, clientId: string) =>
  on.frames.filter((f) => (f.type === "ack" || f.type === "error") && f.clientId === clientId);

/**
 * Sends a customer text on a fresh socket and waits for its ack or error frame. A socket per
 * message: wrangler dev reloads (and drops sockets) when files in the shared tree change.
 */
async function send(
  text: string,
  {
    as,
    clientId = `cc-${Date.now()}-${++counter}`,
    kind = "text",
  }: { as?: { conversationId: string; token: string }; clientId?: string; kind?: "text" | "emoji" } = {},
) {
  const target = as ?? { conversationId, token: customer.token };
  const socket = new RawSocket(sys, conversationPath(target.conversationId), target.token);
  try {
    await socket.opened;
    socket.send({ type: "send", clientId, content: { kind, text } });
    const frame = await eventually(() => answers(socket, clientId)[0], WAIT, `answer to ${clientId}`);
    return { clientId, frame };
  } finally {
    socket.close();
  }
}

async function stored(clientId: string): Promise<Message | undefined> {
  const res = await api(sys, `/api/conversations/${conversationId}/messages?limit=200`, { token: staff.token });
  assert.equal(res.status, 200);
  return (res.body.messages as Message[]).find((m) => m.clientId === clientId);
}

describe("content check of customer text", () => {
  it("refuses words sent as an emoji message, which is not screened, and accepts real emoji", async () => {
    const socket = new RawSocket(sys, conversationPath(conversationId), customer.token);
    await socket.opened;
    const clientId = `cc-emoji-${Date.now()}`;
    socket.send({ type: "send", clientId, content: { kind: "emoji", text: "这是违规内容" } });
    const refused = await socket.waitFor("error", (f) => f.code === "bad_frame", WAIT);
    assert.match(refused.message, /表情/);
    socket.close();
    assert.equal(await stored(clientId), undefined);
    const emoji = await send("👍🏻🎉", { kind: "emoji" });
    assert.equal(emoji.frame.type, "ack");
  });

  it("passes clean text through msg_sec_check with the customer's openid", async () => {
    const before = secChecks().length;
    const { clientId, frame } = await send("您好，请问订单什么时候发货？");
    assert.equal(frame.type, "ack");
    assert.equal((await stored(clientId))?.flagged, false);
    const checks = secChecks().slice(before);
    assert.equal(checks.length, 1);
    assert.deepEqual(checks[0].body, { content: "您好，请问订单什么时候发货？", version: 2, scene: 2, openid: fakeOpenid(CODE) });
  });

  it("refuses risky text with an error frame and does not store it, also when resent", async () => {
    const { clientId, frame } = await send("这是违规内容");
    assert.equal(frame.type, "error");
    assert.equal(frame.type === "error" && frame.code, "content_risky");
    assert.equal(await stored(clientId), undefined);
    const resent = await send("这是违规内容", { clientId });
    assert.equal(resent.frame.type === "error" && resent.frame.code, "content_risky");
    const rows = await queryJson<{ n: number }>(sys.persistTo, `SELECT count(*) AS n FROM messages WHERE client_id = '${clientId}' OR text LIKE '%违规%'`);
    assert.equal(rows[0].n, 0, "absent from the database");
  });

  it("stores review text flagged, and staff see the flag", async () => {
    const staffSocket = new RawSocket(sys, conversationPath(conversationId), staff.token);
    await staffSocket.opened;
    const { clientId, frame } = await send("这条消息待审");
    assert.equal(frame.type, "ack");
    const live = await staffSocket.waitFor("message", (f) => f.message.clientId === clientId, WAIT);
    assert.equal(live.message.flagged, true);
    assert.equal((await stored(clientId))?.flagged, true);
    // D1 gets the room's copy within about a second of the ack.
    await eventually(async () => {
      const rows = await queryJson<{ flagged: number }>(sys.persistTo, `SELECT flagged FROM messages WHERE client_id = '${clientId}'`);
      assert.deepEqual(rows, [{ flagged: 1 }]);
      return true;
    }, WAIT, "the flag in D1's copy");
    staffSocket.close();
  });

  it("accepts and flags text when WeChat is down, errs or is slow", async () => {
    sys.wechat.setDown("msg_sec_check", true);
    const down = await send("微信不可用时的消息");
    sys.wechat.setDown("msg_sec_check", false);
    assert.equal(down.frame.type, "ack");
    assert.equal((await stored(down.clientId))?.flagged, true);

    sys.wechat.failNext("msg_sec_check", -1);
    const erring = await send("微信报错时的消息");
    assert.equal(erring.frame.type, "ack");
    assert.equal((await stored(erring.clientId))?.flagged, true);

    sys.wechat.setSlow("msg_sec_check", 10_000);
    const started = Date.now();
    const slow = await send("微信很慢时的消息");
    const took = Date.now() - started;
    sys.wechat.setSlow("msg_sec_check", 0);
    assert.equal(slow.frame.type, "ack");
    assert.ok(took < 7000, `acknowledged after ${took} ms`);
    assert.equal((await stored(slow.clientId))?.flagged, true);

    const fine = await send("恢复正常后的消息");
    assert.equal((await stored(fine.clientId))?.flagged, false);
  });

  it("does not check staff text", async () => {
    const staffSocket = new RawSocket(sys, conversationPath(conversationId), staff.token);
    await staffSocket.opened;
    const before = secChecks().length;
    const clientId = `staff-${Date.now()}`;
    staffSocket.send({ type: "send", clientId, content: { kind: "text", text: "客服回复 review 违规" } });
    await staffSocket.waitFor("ack", (f) => f.clientId === clientId, WAIT);
    assert.equal(secChecks().length, before);
    assert.equal((await stored(clientId))?.flagged, false);
    staffSocket.close();
  });

  it("flags H5 guest text without asking WeChat (a guest has no openid WeChat knows)", async () => {
    const guest = await api<LoginResult>(sys, "/api/auth/guest", { body: { deviceId: "content-check-guest" } });
    assert.equal(guest.status, 200);
    const entry = await enter(sys, guest.body.token);
    const before = secChecks().length;
    const { frame } = await send("访客的消息", { as: { conversationId: entry.conversationId, token: guest.body.token } });
    assert.equal(frame.type, "ack");
    assert.equal(secChecks().length, before);
    const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: guest.body.token });
    assert.deepEqual(history.body.messages.map((m: Message) => [m.text, m.flagged]), [["访客的消息", true]]);
  });

  it("pauses checks while WeChat does not answer: text is flagged at once without asking, and checked again after the pause", async () => {
    sys.wechat.setDown("msg_sec_check", true);
    let asked: number;
    try {
      for (let i = 0; i < FAILURES_TO_PAUSE; i++) {
        const failed = await send(`微信不可用 ${i}`);
        assert.equal(failed.frame.type, "ack");
        assert.equal((await stored(failed.clientId))?.flagged, true);
      }
      asked = secChecks().length;
      const paused = await send("暂停期间的消息");
      assert.equal(paused.frame.type, "ack");
      assert.equal((await stored(paused.clientId))?.flagged, true);
      assert.equal(secChecks().length, asked, "WeChat is not asked during the pause");
    } finally {
      sys.wechat.setDown("msg_sec_check", false);
    }
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MS + 200));
    const back = await send("恢复后的消息");
    assert.equal(back.frame.type, "ack");
    assert.equal(secChecks().length, asked + 1, "one check after the pause");
    assert.equal((await stored(back.clientId))?.flagged, false);
  });

  // Last: the rest of this system's day is without checks.
  it("once WeChat refuses for the day's quota, flags text without asking again until midnight in China", async () => {
    sys.wechat.failNext("msg_sec_check", 45009);
    const refused = await send("额度用完时的消息");
    assert.equal(refused.frame.type, "ack");
    assert.equal((await stored(refused.clientId))?.flagged, true);
    const before = secChecks().length;
    const later = await send("额度用完后的下一条 违规");
    assert.equal(later.frame.type, "ack");
    assert.equal((await stored(later.clientId))?.flagged, true);
    assert.equal(secChecks().length, before, "no check is asked for while the quota is spent");
  });
});
