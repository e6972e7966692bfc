// Conversation lifecycle: the idle timeout (shortened), staff ending, and transfer end to end.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALWAYS_WORKING,
  api,
  changeSettings,
  conversationPath,
  enter,
  eventually,
  loginCustomer,
  loginStaff,
  RawSocket,
  staffPath,
  startedConversation,
  useTestSystem,
  staffCodeOf,
} from "./harness";

const sys = useTestSystem({ extraSql: ALWAYS_WORKING });

const started = () => startedConversation(sys);

describe("conversation lifecycle", () => {
  it("ends a conversation after the idle timeout and starts a new one on return", async () => {
    const admin = await loginStaff(sys, "admin", "admin123");
    await changeSettings(sys, admin.token, { sessionTimeoutSeconds: 2 });
    const { customer, entry, socket } = await started();
    const ended = await socket.waitFor("conversation", (f) => f.conversation.status === "ended", 15_000);
    assert.ok(ended.conversation.endedAt! - Date.now() < 15_000);
    socket.send({ type: "send", clientId: `too-late-${Date.now()}`, content: { kind: "text", text: "还在吗" } });
    const refused = await socket.waitFor("error", (f) => f.code === "conversation_ended");
    assert.ok(refused.clientId?.startsWith("too-late-"));
    const again = await enter(sys, customer.token);
    assert.notEqual(again.conversationId, entry.conversationId);
    assert.equal(again.continued, false);
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const list = await api(sys, "/api/staff/conversations?status=ended", { token: staff.token });
    assert.ok(list.body.items.some((i: any) => i.id === entry.conversationId));
    socket.close();
    await changeSettings(sys, admin.token, { sessionTimeoutSeconds: 86400 });
  });

  it("lets staff end a conversation; the customer sees it ended", async () => {
    const { entry, socket } = await started();
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const res = await api(sys, `/api/conversations/${entry.conversationId}/end`, { method: "POST", token: staff.token });
    assert.equal(res.status, 200);
    assert.equal(res.body.conversation.status, "ended");
    await socket.waitFor("conversation", (f) => f.conversation.status === "ended");
    socket.close();
  });

  it("transfers a conversation with its history; both inboxes update live", async () => {
    const { entry, socket: customerSocket } = await started();
    const from = await loginStaff(sys, staffCodeOf(entry.staff));
    const to = await loginStaff(sys, staffCodeOf(entry.staff) === "kf01" ? "kf02" : "kf01");
    const fromInbox = new RawSocket(sys, staffPath(from.id), from.token);
    const toInbox = new RawSocket(sys, staffPath(to.id), to.token);
    const fromChat = new RawSocket(sys, conversationPath(entry.conversationId), from.token);
    await Promise.all([fromInbox.opened, toInbox.opened, fromChat.opened]);

    const res = await api(sys, `/api/conversations/${entry.conversationId}/transfer`, {
      token: from.token,
      body: { toStaffId: to.id, reason: "售后问题" },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.conversation.staffId, to.id);

    await fromInbox.waitFor("inbox-remove", (f) => f.conversationId === entry.conversationId && f.reason === "transfer");
    const added = await toInbox.waitFor("inbox", (f) => f.item.id === entry.conversationId);
    assert.equal(added.item.staffId, to.id);
    assert.equal((await fromChat.closed).code, 4403);
    const seen = await customerSocket.waitFor("conversation", (f) => f.conversation.staffId === to.id);
    assert.equal(seen.conversation.status, "pending");
    const note = await customerSocket.waitFor("message", (f) => f.message.sender === "system");
    assert.match(note.message.text ?? "", /会话已转接给 .+：售后问题/);

    // The new staff member has the whole history; the previous one has lost access.
    const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: to.token });
    assert.deepEqual(history.body.messages.map((m: any) => m.sender), ["customer", "system"]);
    const denied = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: from.token });
    assert.equal(denied.status, 403);
    const toChat = new RawSocket(sys, conversationPath(entry.conversationId), to.token);
    await toChat.opened;
    toChat.send({ type: "send", clientId: `reply-${Date.now()}`, content: { kind: "text", text: "我来为您处理" } });
    await customerSocket.waitFor("message", (f) => f.message.text === "我来为您处理");
    const transferredBack = await api(sys, `/api/conversations/${entry.conversationId}/transfer`, {
      token: from.token,
      body: { toStaffId: from.id },
    });
    assert.equal(transferredBack.status, 403);
    const list = await api(sys, "/api/staff/conversations", { token: to.token });
    assert.equal(list.body.items.find((i: any) => i.id === entry.conversationId).source, "transfer");
    for (const s of [fromInbox, toInbox, toChat, customerSocket]) s.close();
  });
});

describe("auto replies", () => {
  it("greets a new conversation and answers outside working hours once an hour", async () => {
    const admin = await loginStaff(sys, "admin", "admin123");
    for (const [title, content, trigger] of [
      ["欢迎语", "您好，欢迎咨询，客服马上为您服务", "new_conversation"],
      ["下班提示", "现在是非工作时间，值班客服会尽快回复", "off_hours"],
    ]) {
      const res = await api(sys, "/api/admin/templates", { token: admin.token, body: { kind: "auto_reply", title, content, config: { trigger } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const { entry, socket } = await started();
    const greeting = await socket.waitFor("message", (f) => f.message.sender === "system");
    assert.equal(greeting.message.text, "您好，欢迎咨询，客服马上为您服务");
    assert.equal(greeting.message.seq, 2);
    socket.send({ type: "send", clientId: `second-${Date.now()}`, content: { kind: "text", text: "第二条" } });
    await socket.waitFor("ack", (f) => f.seq === 3);

    await changeSettings(sys, admin.token, { workingHours: { enabled: true, start: "09:00", end: "18:00", days: [], utcOffsetMinutes: 480 } });
    for (const text of ["晚上好", "还有人吗"]) {
      socket.send({ type: "send", clientId: `night-${text.length}-${Date.now()}`, content: { kind: "text", text } });
      await socket.waitFor("ack", (f) => f.clientId.startsWith(`night-${text.length}`));
    }
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: staff.token });
    assert.deepEqual(
      history.body.messages.map((m: any) => [m.sender, m.text]),
      [
        ["customer", "你好"],
        ["system", "您好，欢迎咨询，客服马上为您服务"],
        ["customer", "第二条"],
        ["customer", "晚上好"],
        ["system", "现在是非工作时间，值班客服会尽快回复"],
        ["customer", "还有人吗"],
      ],
    );
    // The inbox list reads D1, which gets the room's message fields with its next copy.
    await eventually(async () => {
      const inbox = await api(sys, "/api/staff/conversations", { token: staff.token });
      assert.equal(inbox.body.items.find((i: any) => i.id === entry.conversationId).lastMessagePreview, "还有人吗");
      return true;
    }, 5000, "inbox preview");
    socket.close();
  });
});
