import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
  staffPath,
  useTestSystem,
  staffCodeOf,
} from "./harness";

const sys = useTestSystem({ extraSql: ALWAYS_WORKING });

async function goOnline(code: string) {
  const login = await loginStaff(sys, code);
  const socket = new RawSocket(sys, staffPath(login.id), login.token);
  await socket.opened;
  await socket.waitFor("presence", (f) => f.presence === "online");
  return { login, socket };
}

describe("customer and staff talk through the real runtime", () => {
  it("assigns the exclusive staff by scene and relays messages both ways", async () => {
    const vip = await goOnline("vip01");
    const customer = await loginCustomer(sys, "alice-code");
    const entry = await enter(sys, customer.token, "vip01");
    assert.equal(staffCodeOf(entry.staff), "vip01");
    assert.equal(entry.staff.name, "陈顾问");
    assert.equal(entry.staff.specialty, "专属理财顾问");
    assert.equal(entry.source, "qr");

    const staffSide: string[] = [];
    const customerSide: string[] = [];
    const staffChat = chatClient(sys, entry.conversationId, vip.login, { message: (m) => staffSide.push(m.text ?? "") });
    const customerChat = chatClient(sys, entry.conversationId, customer, { message: (m) => customerSide.push(m.text ?? "") });
    await eventually(() => staffChat.open && customerChat.open, 5000, "both sockets open");

    customerChat.send({ kind: "text", text: "你好，我想咨询理财产品" });
    await eventually(() => staffSide.includes("你好，我想咨询理财产品"), 5000, "staff receives");
    // The staff inbox feed announces the conversation live.
    const inbox = await vip.socket.waitFor("inbox", (f) => f.item.id === entry.conversationId && f.item.unread === 1);
    assert.equal(inbox.item.lastMessagePreview, "你好，我想咨询理财产品");

    staffChat.send({ kind: "text", text: "您好，我是陈顾问" });
    await eventually(() => customerSide.includes("您好，我是陈顾问"), 5000, "customer receives");
    await eventually(() => customerChat.pending.size === 0 && staffChat.pending.size === 0, 5000, "all acked");
    // The staff member's first reply makes the conversation active on both pages, live.
    await eventually(() => customerChat.state?.status === "active" && staffChat.state?.status === "active", 5000, "both pages see it active");
    assert.deepEqual(
      customerChat.history().map((m) => [m.seq, m.sender, m.text]),
      [
        [1, "customer", "你好，我想咨询理财产品"],
        [2, "staff", "您好，我是陈顾问"],
      ],
    );
    const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: vip.login.token });
    assert.deepEqual(
      history.body.messages.map((m: any) => [m.seq, m.sender, m.text]),
      [
        [1, "customer", "你好，我想咨询理财产品"],
        [2, "staff", "您好，我是陈顾问"],
      ],
    );
    // The inbox list reads D1, which gets the room's message fields with its next copy.
    await eventually(async () => {
      const list = await api(sys, "/api/staff/conversations", { token: vip.login.token });
      assert.equal(list.body.items[0].id, entry.conversationId);
      assert.equal(list.body.items[0].status, "active");
      return true;
    }, 5000, "D1 copy of the conversation");
    // A sender's own socket gets the ack, never its message back; the other party gets the message.
    const raw = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await raw.opened;
    raw.send({ type: "send", clientId: "no-echo-1", content: { kind: "text", text: "第三条" } });
    await raw.waitFor("ack", (f) => f.clientId === "no-echo-1");
    await eventually(() => staffSide.includes("第三条"), 5000, "staff receives the third");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(raw.frames.filter((f) => f.type === "message" && f.message.clientId === "no-echo-1").length, 0);
    await eventually(() => customerSide.includes("第三条"), 5000, "the customer's other socket receives it");
    raw.close();
    staffChat.close();
    customerChat.close();
    vip.socket.close();
  });
});
