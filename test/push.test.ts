// Subscribe credits and pushes of staff replies, against wrangler dev and the fake WeChat.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConversationClient } from "../client/conversation-client";
import { type LoginResult, type PushRecord } from "../protocol";
import { thingValue } from "../domain/push";
import { queryJson } from "../scripts/wrangler";
import { fakeOpenid } from "../fake-wechat/server";
import {
  ALWAYS_WORKING,
  api,
  chatClient,
  conversationPath,
  enter,
  eventually,
  loginCustomer,
  loginStaff,
  RawSocket,
  useTestSystem,
  staffCodeOf,
} from "./harness";

const TPL = "TPL_REPLY";
const WAIT = 15_000;

const sys = useTestSystem({ extraSql: ALWAYS_WORKING });

const grant = (token: string, result = "accept") => api(sys, "/api/subscriptions", { token, body: { results: { [TPL]: result } } });

/** A customer with `credits` grants in a conversation, and its assigned staff on a socket. */
async function scenario(code: string, credits: number) {
  const customer = await loginCustomer(sys, code);
  for (let i = 0; i < credits; i++) assert.equal((await grant(customer.token)).status, 200);
  const entry = await enter(sys, customer.token);
  const staff = await loginStaff(sys, staffCodeOf(entry.staff));
  const chat = chatClient(sys, entry.conversationId, staff);
  await eventually(() => chat.open, WAIT, "staff socket open");
  const openid = fakeOpenid(code);
  return {
    customer,
    staff,
    staffName: (staff as LoginResult & { name: string }).name,
    chat,
    openid,
    conversationId: entry.conversationId,
    sends: () => sys.wechat.requests.filter((r) => r.route === "subscribe_send" && (r.body as { touser?: string }).touser === openid),
    pushes: async (): Promise<PushRecord[]> => {
      const res = await api(sys, `/api/conversations/${entry.conversationId}/pushes`, { token: staff.token });
      assert.equal(res.status, 200);
      return res.body.pushes;
    },
  };
}

/** The conversation's push records once there are `n` and none is in flight. */
async function settled(s: { pushes(): Promise<PushRecord[]> }, n: number): Promise<PushRecord[]> {
  const list = await eventually(async () => {
    const l = await s.pushes();
    return l.length === n && l.every((p) => p.status !== "pending") ? l : null;
  }, WAIT, `${n} push records`);
  return list!;
}

async function reply(chat: ConversationClient, text: string): Promise<number> {
  const clientId = chat.send({ kind: "text", text });
  await eventually(() => !chat.pending.has(clientId), WAIT, "reply acknowledged");
  const stored = chat.history().find((m) => m.clientId === clientId);
  assert.ok(stored);
  return stored.seq;
}

/** A reply whose push WeChat answers with `errcode`. */
async function failedPush(code: string, credits: number, errcode: number) {
  const s = await scenario(code, credits);
  sys.wechat.failNext("subscribe_send", errcode);
  await reply(s.chat, "您的订单已发货");
  const [failed] = await settled(s, 1);
  assert.deepEqual([failed.status, failed.errcode], ["failed", errcode]);
  return { s, failed };
}

type SendBody = { touser: string; template_id: string; page: string; data: Record<string, { value: string }>; miniprogram_state: string };

describe("subscriptions", () => {
  it("accept adds one credit, reject and ban record the refusal", async () => {
    const c = await loginCustomer(sys, "sub-state");
    const initial = await api(sys, "/api/subscriptions", { token: c.token });
    assert.equal(initial.status, 200);
    assert.deepEqual(initial.body, {
      templateIds: [TPL],
      subscriptions: [{ templateId: TPL, credits: 0, lastResult: null, updatedAt: null }],
    });
    await grant(c.token);
    // The raw wx.requestSubscribeMessage result carries errMsg; it is ignored.
    const second = await api(sys, "/api/subscriptions", {
      token: c.token,
      body: { results: { errMsg: "requestSubscribeMessage:ok", [TPL]: "accept", TPL_OTHER: "reject" } },
    });
    assert.equal(second.status, 200);
    assert.deepEqual(
      second.body.subscriptions.map((s: any) => [s.templateId, s.credits, s.lastResult]),
      [
        [TPL, 2, "accept"],
        ["TPL_OTHER", 0, "reject"],
      ],
    );
    const rejected = await grant(c.token, "reject");
    assert.deepEqual([rejected.body.subscriptions[0].credits, rejected.body.subscriptions[0].lastResult], [2, "reject"]);
    const banned = await grant(c.token, "ban");
    assert.deepEqual([banned.body.subscriptions[0].credits, banned.body.subscriptions[0].lastResult], [0, "ban"]);
  });

  it("rejects bad bodies and non-customers", async () => {
    const c = await loginCustomer(sys, "sub-bad");
    for (const body of [{}, { results: {} }, { results: { [TPL]: "maybe" } }, { results: { "bad id!": "accept" } }, { results: [] }]) {
      const res = await api(sys, "/api/subscriptions", { token: c.token, body });
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, "bad_request");
    }
    const staff = await loginStaff(sys, "kf01");
    assert.equal((await api(sys, "/api/subscriptions", { token: staff.token })).status, 403);
    assert.equal((await api(sys, "/api/subscriptions")).status, 401);
    const state = await api(sys, "/api/subscriptions", { token: c.token });
    assert.equal(state.body.subscriptions[0].lastResult, null);
  });
});

describe("push on staff reply", () => {
  it("sends one subscribe message to an offline subscribed customer; the 4th reply in an hour is rate limited", async () => {
    const s = await scenario("push-offline", 5);
    const text = "您好，您咨询的理财产品今天已经上架了，欢迎随时联系我了解详情";
    const seq = await reply(s.chat, text);
    const [push] = await settled(s, 1);
    assert.equal(push.status, "sent", JSON.stringify(push));
    assert.equal(push.messageSeq, seq);
    assert.equal(push.templateId, TPL);
    assert.equal(push.errcode, null);
    assert.equal(push.staffId, s.staff.id);

    assert.equal(s.sends().length, 1);
    const body = s.sends()[0].body as SendBody;
    assert.equal(body.touser, s.openid);
    assert.equal(body.template_id, TPL);
    assert.equal(body.page, `pages/chat/chat?conversationId=${s.conversationId}&pushId=${push.id}`);
    assert.equal(push.page, body.page);
    assert.ok([...body.data.thing2.value].length <= 20);
    assert.equal(body.data.thing2.value, thingValue(text));
    assert.equal(body.data.thing2.value, push.summary);
    assert.equal(body.data.thing1.value, s.staffName);
    assert.match(body.data.time3.value, /^\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}$/);
    assert.equal(body.miniprogram_state, "formal");

    await reply(s.chat, "第二条");
    await reply(s.chat, "第三条");
    const fourth = await reply(s.chat, "第四条");
    const list = await settled(s, 4);
    const bySeq = new Map(list.map((p) => [p.messageSeq, p]));
    assert.equal(bySeq.get(fourth)?.status, "rate_limited");
    assert.equal(bySeq.get(fourth)?.page, null);
    assert.deepEqual(list.filter((p) => p.status === "sent").length, 3);
    assert.equal(s.sends().length, 3, "the 4th reply is not sent");
    // Three credits spent, the rate-limited reply kept the other two.
    const state = await api(sys, "/api/subscriptions", { token: s.customer.token });
    assert.equal(state.body.subscriptions[0].credits, 2);
    s.chat.close();
  });

  it("no credit means a no_credit record and no call", async () => {
    const s = await scenario("push-nocredit", 0);
    await reply(s.chat, "您好");
    const [push] = await settled(s, 1);
    assert.equal(push.status, "no_credit");
    assert.equal(push.retryable, false);
    assert.equal(s.sends().length, 0);
    s.chat.close();
  });

  it("a customer in the chat gets no push", async () => {
    const s = await scenario("push-online", 3);
    const customerSocket = new RawSocket(sys, conversationPath(s.conversationId), s.customer.token);
    await customerSocket.opened;
    const whileOnline = await reply(s.chat, "在线时的回复");
    await customerSocket.waitFor("message", (f) => f.message.seq === whileOnline, WAIT);
    // Once the close handshake is done the room no longer counts the socket as connected.
    await customerSocket.closeHandshake();
    // Pushes run in order, so once the later one is recorded the earlier one was decided.
    const afterLeaving = await reply(s.chat, "离开后的回复");
    const list = await settled(s, 1);
    assert.deepEqual(list.map((p) => [p.messageSeq, p.status]), [[afterLeaving, "sent"]]);
    assert.equal(s.sends().length, 1);
    s.chat.close();
  });

  it("43101 is recorded failed and not repeated; a manual retry sends once more; a tap marks it clicked", async () => {
    const { s, failed } = await failedPush("push-refused", 2, 43101);
    assert.equal(failed.retryable, true);
    assert.equal(s.sends().length, 1);
    // WeChat says there is no grant left: the stale credit is dropped.
    const state = await api(sys, "/api/subscriptions", { token: s.customer.token });
    assert.equal(state.body.subscriptions[0].credits, 0);
    // Pushes of a conversation run in order: once a later reply's push is decided (no credit
    // left, so no call), the failed one has had every chance to be repeated, and was not.
    await reply(s.chat, "稍后的回复");
    const later = (await settled(s, 2)).find((p) => p.id !== failed.id)!;
    assert.equal(later.status, "no_credit");
    assert.equal(s.sends().length, 1, "no automatic repeat");

    const retryPath = `/api/pushes/${failed.id}/retry`;
    const noCredit = await api(sys, retryPath, { method: "POST", token: s.staff.token });
    assert.equal(noCredit.status, 409);
    assert.equal(s.sends().length, 1);

    const customerTry = await api(sys, retryPath, { method: "POST", token: s.customer.token });
    assert.equal(customerTry.status, 403);
    const otherCode = s.staff.id === (await loginStaff(sys, "kf01")).id ? "kf02" : "kf01";
    const other = await loginStaff(sys, otherCode);
    assert.equal((await api(sys, retryPath, { method: "POST", token: other.token })).status, 403);

    await grant(s.customer.token);
    const retried = await api(sys, retryPath, { method: "POST", token: s.staff.token });
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.equal(retried.body.status, "sent");
    assert.equal(retried.body.retryOf, failed.id);
    assert.equal(s.sends().length, 2);
    assert.ok((s.sends()[1].body as SendBody).page.endsWith(`pushId=${retried.body.id}`));

    await grant(s.customer.token);
    const again = await api(sys, retryPath, { method: "POST", token: s.staff.token });
    assert.equal(again.status, 409, "a push is retried once");
    const supervisor = await loginStaff(sys, "sup01");
    assert.equal((await api(sys, `/api/pushes/${retried.body.id}/retry`, { method: "POST", token: supervisor.token })).status, 409);
    assert.equal(s.sends().length, 2);

    const list = (await s.pushes()).filter((p) => p.id !== later.id);
    assert.deepEqual(
      list.map((p) => [p.id, p.status, p.retryable]).sort(),
      [
        [failed.id, "failed", false],
        [retried.body.id, "sent", false],
      ].sort(),
    );

    const stranger = await loginCustomer(sys, "push-stranger");
    assert.equal((await api(sys, `/api/pushes/${retried.body.id}/click`, { method: "POST", token: stranger.token })).status, 404);
    const click = await api(sys, `/api/pushes/${retried.body.id}/click`, { method: "POST", token: s.customer.token });
    assert.equal(click.status, 200);
    assert.equal(click.body.conversationId, s.conversationId);
    assert.equal(typeof click.body.clickedAt, "number");
    const twice = await api(sys, `/api/pushes/${retried.body.id}/click`, { method: "POST", token: s.customer.token });
    assert.equal(twice.body.clickedAt, click.body.clickedAt);
    const clicked = (await s.pushes()).find((p) => p.id === retried.body.id);
    assert.equal(clicked?.clickedAt, click.body.clickedAt);
    s.chat.close();
  });

  it("a failure other than 43101 gives the credit back; the push list is for staff who see the conversation", async () => {
    const { s, failed } = await failedPush("push-baddata", 1, 47003);
    const state = await api(sys, "/api/subscriptions", { token: s.customer.token });
    assert.equal(state.body.subscriptions[0].credits, 1);
    const retried = await api(sys, `/api/pushes/${failed.id}/retry`, { method: "POST", token: (await loginStaff(sys, "admin", "admin123")).token });
    assert.equal(retried.status, 201);
    assert.equal(retried.body.status, "sent");
    assert.equal(s.sends().length, 2);

    assert.equal((await api(sys, `/api/conversations/${s.conversationId}/pushes`, { token: s.customer.token })).status, 403);
    assert.equal((await api(sys, `/api/pushes/p_missing/retry`, { method: "POST", token: s.staff.token })).status, 404);
    s.chat.close();
  });
});

describe("arrival rate", () => {
  it("counts attempted and sent pushes, and why the rest failed", async () => {
    const from = Date.now();
    const s = await scenario("push-arrival", 2);
    await reply(s.chat, "第一条回复");
    await settled(s, 1);
    sys.wechat.failNext("subscribe_send", 43101);
    await reply(s.chat, "第二条回复");
    await settled(s, 2);
    await reply(s.chat, "第三条回复");
    await settled(s, 3);
    const admin = await loginStaff(sys, "admin", "admin123");
    const res = await api(sys, `/api/pushes/arrival?from=${from}`, { token: admin.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { attempted, sent, rate, noCredit, wechatErrors } = res.body;
    assert.deepEqual({ attempted, sent, noCredit, wechatErrors }, { attempted: 3, sent: 1, noCredit: 1, wechatErrors: { "43101": 1 } });
    assert.equal(rate, 1 / 3);
    // Staff (not managers) cannot read it.
    assert.equal((await api(sys, "/api/pushes/arrival", { token: s.staff.token })).status, 403);
    s.chat.close();
  });
});

describe("push template from the admin's templates", () => {
  it("an enabled push template decides the template id and data keys (each value shaped for its keyword type); an invalid one is skipped", async () => {
    sys.wechat.setTemplates([TPL, "TPL_ADMIN"]);
    const now = Date.now();
    await queryJson(
      sys.persistTo,
      `INSERT INTO templates (id, kind, title, content, config, enabled, sort, created_at, updated_at) VALUES
        ('t_broken', 'push', '坏配置', '', '{"fields":{}}', 1, 0, ${now}, ${now}),
        ('t_off', 'push', '停用', '', '{"templateId":"TPL_OFF"}', 0, 0, ${now}, ${now}),
        ('t_reply', 'push', '回复通知', '', '{"templateId":"TPL_ADMIN","fields":{"sender":"name1","summary":"phrase4","time":"date5"}}', 1, 1, ${now}, ${now})`,
    );
    const s = await scenario("push-admin-template", 0);
    const state = await api(sys, "/api/subscriptions", { token: s.customer.token });
    assert.deepEqual(state.body.templateIds, ["TPL_ADMIN"]);
    await api(sys, "/api/subscriptions", { token: s.customer.token, body: { results: { TPL_ADMIN: "accept" } } });
    await reply(s.chat, "按管理员配置的模板推送");
    const [push] = await settled(s, 1);
    assert.equal(push.status, "sent", JSON.stringify(push));
    assert.equal(push.templateId, "TPL_ADMIN");
    const body = s.sends()[0].body as SendBody;
    assert.equal(body.template_id, "TPL_ADMIN");
    assert.deepEqual(Object.keys(body.data).sort(), ["date5", "name1", "phrase4"]);
    // Each value is shaped for its keyword type: phrase ≤5 Han characters, date without the time.
    assert.equal(body.data.phrase4.value, "按管理员配");
    assert.match(body.data.date5.value, /^\d{4}年\d{1,2}月\d{1,2}日$/);
    assert.equal(body.data.name1.value, s.staffName);
    s.chat.close();
  });
});
