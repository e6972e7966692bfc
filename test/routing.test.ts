// Entry with a scene (rule 6.1) and visits vs conversations (rule 6.3), against wrangler dev.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { ApiClient, fetchTransport } from "../client/api";
import { ChatSession } from "../client/chat-session";
import { queryJson } from "../scripts/wrangler";
import type { MonitorFrame } from "../protocol";
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
  useTestSystem, knowStaffCode, staffCodeOf } from "./harness";

let admin: string;
const sys = useTestSystem({ extraSql: ALWAYS_WORKING }, async () => {
  admin = (await loginStaff(sys, "admin", "admin123")).token;
});

let staffCount = 0;
/** A new staff member of its own for each test, so tests do not share load or presence. */
async function newStaff(fields: { isDefault?: boolean } = {}) {
  const code = `rt${++staffCount}${Math.random().toString(36).slice(2, 6)}`;
  const res = await api(sys, "/api/admin/staff", { token: admin, body: { code, name: `专属${staffCount}`, password: "demo123", ...fields } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const login = await loginStaff(sys, code);
  knowStaffCode(login.id, code);
  return { code, id: login.id, login };
}

async function goOnline(staffId: string, token: string) {
  const socket = new RawSocket(sys, staffPath(staffId), token);
  await socket.opened;
  await socket.waitFor("presence", (f) => f.presence === "online");
  return socket;
}

async function conversationAs(token: string, id: string) {
  const res = await api(sys, `/api/conversations/${id}`, { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

describe("entry with a scene", () => {
  it("hands an open visit over to the scanned exclusive staff member who is online", async () => {
    const vip = await newStaff();
    const online = await goOnline(vip.id, vip.login.token);
    const customer = await loginCustomer(sys);
    const first = await enter(sys, customer.token);
    assert.notEqual(staffCodeOf(first.staff), vip.code);

    const scanned = await enter(sys, customer.token, vip.code);
    assert.equal(scanned.conversationId, first.conversationId, "the visit moves, no second conversation");
    assert.equal(staffCodeOf(scanned.staff), vip.code);
    assert.equal(scanned.source, "qr");
    const detail = await conversationAs(customer.token, first.conversationId);
    assert.equal(staffCodeOf(detail.staff), vip.code);
    assert.equal(detail.conversation.source, "qr");
    // Still a visit: no note was written into it.
    assert.equal(detail.lastSeq, 0);
    online.close();
  });

  it("hands a started conversation over with its history, as a transfer with source qr", async () => {
    const vip = await newStaff();
    const online = await goOnline(vip.id, vip.login.token);
    const { customer, entry, socket } = await startedConversation(sys, "我想咨询理财");
    const before = entry.staff;

    const scanned = await enter(sys, customer.token, vip.code);
    assert.equal(scanned.conversationId, entry.conversationId);
    assert.equal(staffCodeOf(scanned.staff), vip.code);
    assert.equal(scanned.continued, true);
    // The customer's open socket learns the new staff member.
    await socket.waitFor("conversation", (f) => f.conversation.staffId === vip.id);

    // The exclusive staff member sees the whole history; the previous one no longer does.
    const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: vip.login.token });
    assert.equal(history.status, 200);
    assert.equal(history.body.messages[0].text, "我想咨询理财");
    assert.ok(history.body.messages.some((m: any) => m.sender === "system" && m.text.includes("专属")), JSON.stringify(history.body.messages));
    const previous = await loginStaff(sys, staffCodeOf(before));
    assert.equal((await api(sys, `/api/conversations/${entry.conversationId}`, { token: previous.token })).status, 403);
    const [transfer] = await queryJson<{ from_staff_id: string; to_staff_id: string }>(
      sys.persistTo,
      `SELECT from_staff_id, to_staff_id FROM transfers WHERE conversation_id = '${entry.conversationId}'`,
    );
    assert.deepEqual(transfer, { from_staff_id: before.id, to_staff_id: vip.id });
    assert.equal((await conversationAs(customer.token, entry.conversationId)).conversation.source, "qr");
    online.close();
  });

  it("keeps the conversation when the scanned staff member cannot take it, and when they already serve it", async () => {
    const vip = await newStaff();
    const customer = await loginCustomer(sys);
    const first = await enter(sys, customer.token);
    // vip is offline and default staff exist: a new customer would go to them, so nothing moves.
    const offline = await enter(sys, customer.token, vip.code);
    assert.equal(offline.conversationId, first.conversationId);
    assert.equal(staffCodeOf(offline.staff), staffCodeOf(first.staff));

    const online = await goOnline(vip.id, vip.login.token);
    const handed = await enter(sys, customer.token, vip.code);
    assert.equal(staffCodeOf(handed.staff), vip.code);
    const again = await enter(sys, customer.token, vip.code);
    assert.deepEqual(again, handed, "scanning the serving staff member's code changes nothing");
    const transfers = await queryJson<{ n: number }>(sys.persistTo, `SELECT count(*) AS n FROM transfers WHERE conversation_id = '${first.conversationId}'`);
    assert.equal(transfers[0].n, 1);
    online.close();
  });
});

describe("visits and conversations", () => {
  async function loadOf(staffId: string): Promise<number> {
    const res = await api(sys, "/api/admin/staff", { token: admin });
    return res.body.staff.find((s: any) => s.id === staffId).load;
  }

  it("counts a conversation from its first customer message: a visit holds no load in the monitor, the staff list or assignment", async () => {
    const vip = await newStaff();
    const online = await goOnline(vip.id, vip.login.token);
    const monitor = new RawSocket(sys, "/parties/monitor-room/main", admin);
    await monitor.opened;
    const frames = () => monitor.frames as unknown as MonitorFrame[];
    await eventually(() => frames().some((f) => f.type === "monitor"), 10_000, "snapshot");

    const visitor = await loginCustomer(sys);
    const visit = await enter(sys, visitor.token, vip.code);
    assert.equal(staffCodeOf(visit.staff), vip.code);
    const writer = await loginCustomer(sys);
    const written = await enter(sys, writer.token, vip.code);
    assert.equal(await loadOf(vip.id), 0, "two visits, no load");

    const socket = new RawSocket(sys, conversationPath(written.conversationId), writer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "first-message", content: { kind: "text", text: "在吗" } });
    await socket.waitFor("ack");
    await eventually(async () => (await loadOf(vip.id)) === 1, 10_000, "load 1 after the first message");
    await eventually(
      () => frames().some((f) => f.type === "monitor-update" && f.entry.staffId === vip.id && f.entry.load === 1),
      10_000,
      "monitor shows 当前接待 1",
    );
    // The monitor never showed the visits as load.
    assert.ok(!frames().some((f) => (f.type === "monitor-update" ? [f.entry] : f.type === "monitor" ? f.staff : []).some((e) => e.staffId === vip.id && e.load > 1)));
    socket.close();
    monitor.close();
    online.close();
  });

  it("spreads new customers by started conversations, not by visits", async () => {
    // Two default staff of this test only, both online; the seeded default staff stay offline.
    const a = await newStaff({ isDefault: true });
    const b = await newStaff({ isDefault: true });
    const sockets = [await goOnline(a.id, a.login.token), await goOnline(b.id, b.login.token)];
    const ours = new Set([a.code, b.code]);
    const entries = [];
    for (let i = 0; i < 2; i++) {
      const customer = await loginCustomer(sys);
      entries.push({ customer, entry: await enter(sys, customer.token) });
    }
    assert.ok(entries.every((e) => ours.has(staffCodeOf(e.entry.staff))), JSON.stringify(entries.map((e) => staffCodeOf(e.entry.staff))));
    const [visitOnly, writing] = entries;
    assert.notEqual(staffCodeOf(visitOnly.entry.staff), staffCodeOf(writing.entry.staff), "round robin on equal load");
    const socket = new RawSocket(sys, conversationPath(writing.entry.conversationId), writing.customer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "hello-message", content: { kind: "text", text: "你好" } });
    await socket.waitFor("ack");
    // One started conversation against any number of visits: new customers keep going to the visited one.
    for (let i = 0; i < 3; i++) {
      const next = await enter(sys, (await loginCustomer(sys)).token);
      assert.equal(staffCodeOf(next.staff), staffCodeOf(visitOnly.entry.staff), `customer ${i + 3}`);
    }
    socket.close();
    for (const s of sockets) s.close();
  });

  it("spreads customers entering at the same moment over default staff of equal load", async () => {
    const ours = [await newStaff({ isDefault: true }), await newStaff({ isDefault: true }), await newStaff({ isDefault: true })];
    const sockets = await Promise.all(ours.map((s) => goOnline(s.id, s.login.token)));
    const customers = [];
    for (let i = 0; i < 9; i++) customers.push(await loginCustomer(sys));
    const entries = await Promise.all(customers.map((c) => enter(sys, c.token)));
    const perStaff = new Map<string, number>();
    for (const e of entries) perStaff.set(staffCodeOf(e.staff), (perStaff.get(staffCodeOf(e.staff)) ?? 0) + 1);
    assert.deepEqual(
      [...perStaff.entries()].sort(),
      ours.map((s) => [s.code, 3]).sort(),
      "each of the three takes three",
    );
    for (const s of sockets) s.close();
  });

  it("lets a visit expire after the short visit timeout while conversations run on", async () => {
    const started = await startedConversation(sys);
    const set = await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { visitTimeoutSeconds: 1 } });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    try {
      const customer = await loginCustomer(sys);
      const visit = await enter(sys, customer.token);
      const next = await eventually(
        async () => {
          const again = await enter(sys, customer.token);
          return again.conversationId !== visit.conversationId ? again : undefined;
        },
        15_000,
        "a new visit after the old one expired",
      );
      assert.equal(next?.continued, false);
      assert.equal((await conversationAs(customer.token, visit.conversationId)).conversation.status, "ended");
      // The conversation with a message, older than that visit, goes on.
      const back = await enter(sys, started.customer.token);
      assert.equal(back.conversationId, started.entry.conversationId);
      assert.equal(back.continued, true);
    } finally {
      await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { visitTimeoutSeconds: 1800 } });
      started.socket.close();
    }
  });
});

describe("rating", () => {
  it("is refused with a clear message before the end, accepted once after it", async () => {
    const { customer, entry, socket } = await startedConversation(sys, "请问怎么退货");
    const rate = (score: number) => api(sys, `/api/conversations/${entry.conversationId}/rating`, { token: customer.token, body: { score } });
    const early = await rate(5);
    assert.equal(early.status, 409);
    assert.equal(early.body.message, "会话结束后才能评价");

    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const ended = await api(sys, `/api/conversations/${entry.conversationId}/end`, { token: staff.token, body: {} });
    assert.equal(ended.status, 200, JSON.stringify(ended.body));
    const rated = await rate(4);
    assert.equal(rated.status, 200, JSON.stringify(rated.body));
    const again = await rate(1);
    assert.equal(again.status, 409);
    assert.equal(again.body.message, "已经评价过了");
    const [row] = await queryJson<{ rating: number }>(sys.persistTo, `SELECT rating FROM conversations WHERE id = '${entry.conversationId}'`);
    assert.equal(row.rating, 4);
    socket.close();
  });
});

describe("待回复", () => {
  it("is the customer's last message without a staff reply after it, in the inbox filter, the live feed and the admin", async () => {
    const { customer, entry, socket } = await startedConversation(sys, "第一个问题");
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const feed = new RawSocket(sys, staffPath(staff.id), staff.token);
    await feed.opened;
    const staffSocket = new RawSocket(sys, conversationPath(entry.conversationId), staff.token);
    await staffSocket.opened;
    const awaiting = async () => {
      const inbox = await api(sys, "/api/staff/conversations?awaiting=true", { token: staff.token });
      const admin_ = await api(sys, `/api/admin/conversations?awaiting=true&customer=${customer.id}`, { token: admin });
      assert.equal(inbox.status, 200, JSON.stringify(inbox.body));
      assert.equal(admin_.status, 200, JSON.stringify(admin_.body));
      const inInbox = inbox.body.items.some((i: any) => i.id === entry.conversationId);
      const inAdmin = admin_.body.items.some((i: any) => i.id === entry.conversationId && i.awaitingReply);
      assert.equal(inInbox, inAdmin, "inbox and admin agree");
      return inInbox;
    };
    assert.equal(await awaiting(), true, "never answered");

    staffSocket.send({ type: "send", clientId: "reply-1-abc", content: { kind: "text", text: "您好" } });
    await staffSocket.waitFor("ack");
    await feed.waitFor("inbox", (f) => f.item.id === entry.conversationId && !f.item.awaitingReply, 10_000);
    // The lists read D1, whose copy of the room's messages may be a moment behind the live feed.
    await eventually(async () => (await awaiting()) === false, 5000, "answered");

    // The customer writes again after the reply: awaiting a reply again.
    socket.send({ type: "send", clientId: "second-question", content: { kind: "text", text: "还有一个问题" } });
    await socket.waitFor("ack", (f) => f.clientId === "second-question");
    await feed.waitFor("inbox", (f) => f.item.id === entry.conversationId && f.item.awaitingReply && f.item.lastMessagePreview === "还有一个问题", 10_000);
    await eventually(() => awaiting(), 5000, "written to again after a reply");
    for (const s of [socket, feed, staffSocket]) s.close();
  });
});

describe("earlier conversations", () => {
  it("shows a customer their earlier conversations above the current one, paged back in time, and nobody else's", async () => {
    const first = await startedConversation(sys, "旧问题一");
    const { customer } = first;
    const endAs = async (conversationId: string, staffCode: string) => {
      const staff = await loginStaff(sys, staffCode);
      assert.equal((await api(sys, `/api/conversations/${conversationId}/end`, { token: staff.token, body: {} })).status, 200);
    };
    first.socket.send({ type: "send", clientId: "old-question-1b", content: { kind: "text", text: "旧问题一补充" } });
    await first.socket.waitFor("ack", (f) => f.clientId === "old-question-1b");
    await endAs(first.entry.conversationId, staffCodeOf(first.entry.staff));
    first.socket.close();

    const second = await enter(sys, customer.token);
    assert.notEqual(second.conversationId, first.entry.conversationId);
    const socket = new RawSocket(sys, conversationPath(second.conversationId), customer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "old-question-2", content: { kind: "text", text: "旧问题二" } });
    await socket.waitFor("ack");
    await endAs(second.conversationId, staffCodeOf(second.staff));
    socket.close();
    // A visit that never started is not history.
    const current = await enter(sys, customer.token);

    const session = new ChatSession<Blob>({
      api: new ApiClient<Blob>({ baseUrl: sys.url, transport: fetchTransport, token: () => customer.token }),
      conversationId: current.conversationId,
      self: { party: "customer", id: customer.id },
      token: () => customer.token,
      WebSocket,
      pageSize: 1,
      onChange: () => undefined,
    });
    try {
      await session.start();
      const texts = () => session.bubbles().map((b) => b.text).filter((t) => t.startsWith("旧问题"));
      // The latest earlier conversation shows at once, above the (empty) current one.
      assert.ok(session.earlier.length > 0);
      assert.equal(session.hasOlder, true);
      let pages = 0;
      while (session.hasOlder && pages++ < 50) await session.loadOlder();
      assert.equal(session.hasOlder, false);
      assert.deepEqual(texts(), ["旧问题一", "旧问题一补充", "旧问题二"]);
      assert.ok(session.earlier.every((m) => m.conversationId === first.entry.conversationId || m.conversationId === second.conversationId));
    } finally {
      session.close();
    }

    // Another customer cannot page into this customer's history, nor ask for it at all as staff.
    const other = await loginCustomer(sys);
    const theirs = await enter(sys, other.token);
    const probe = await api(sys, `/api/conversations/${theirs.conversationId}/earlier?before=${first.entry.conversationId}:99`, { token: other.token });
    assert.equal(probe.status, 200);
    assert.deepEqual(probe.body, { messages: [], next: null });
    const staff = await loginStaff(sys, staffCodeOf(current.staff));
    assert.equal((await api(sys, `/api/conversations/${current.conversationId}/earlier`, { token: staff.token })).status, 403);
  });
});
