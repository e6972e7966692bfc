// The wx.connectSocket adapter under partysocket and ConversationClient, against the real server:
// connections dropped mid-conversation, acks lost with the connection, and a phone offline for a while.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fetchSocketTicket } from "../client/api";
import { ConversationClient } from "../client/conversation-client";
import { wxWebSocketClass } from "../client/wx-socket";
import type { LoginResult, Message } from "../protocol";
import { ALWAYS_WORKING, api, conversationPath, enter, eventually, loginCustomer, loginStaff, RawSocket, useTestSystem, staffCodeOf } from "./harness";
import { createWx, type WxShim } from "./miniprogram-shim";

const sys = useTestSystem({ extraSql: ALWAYS_WORKING });

type Setup = { shim: WxShim; client: ConversationClient; staff: RawSocket; conversationId: string; customer: LoginResult; staffLogin: LoginResult; seen: Message[] };

async function setup(code: string): Promise<Setup> {
  const shim = createWx();
  const customer = await loginCustomer(sys, code);
  const entry = await enter(sys, customer.token);
  const staffLogin = await loginStaff(sys, staffCodeOf(entry.staff));
  const staff = new RawSocket(sys, conversationPath(entry.conversationId), staffLogin.token);
  await staff.opened;
  const seen: Message[] = [];
  const client = new ConversationClient({
    host: sys.host,
    conversationId: entry.conversationId,
    self: { party: "customer", id: customer.id },
    ticket: () => fetchSocketTicket(sys.url, customer.token),
    WebSocket: wxWebSocketClass(shim.wx.connectSocket),
    events: { message: (m) => seen.push(m) },
  });
  await eventually(() => client.open, 10_000, "adapter socket open");
  return { shim, client, staff, conversationId: entry.conversationId, customer, staffLogin, seen };
}

async function storedTexts(s: Setup): Promise<string[]> {
  const res = await api(sys, `/api/conversations/${s.conversationId}/messages`, { token: s.staffLogin.token });
  return res.body.messages.map((m: Message) => m.text);
}

function assertContiguous(client: ConversationClient) {
  const seqs = client.history().map((m) => m.seq);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "history has every seq once, in order");
}

describe("wx.connectSocket adapter with partysocket against the real server", () => {
  it("reconnects after a dropped connection, resends what was not acknowledged and syncs the gap", async () => {
    const s = await setup("wx-socket-gap");
    s.client.send({ kind: "text", text: "断网前的消息" });
    await eventually(() => s.client.pending.size === 0, 10_000, "first ack");
    s.staff.send({ type: "send", clientId: "staff-before-0001", content: { kind: "text", text: "客服：收到" } });
    await eventually(() => s.seen.some((m) => m.text === "客服：收到"), 10_000, "staff message live");

    // The phone loses the connection; meanwhile the staff writes and the customer keeps typing.
    const socketsBefore = s.shim.sockets.length;
    s.shim.dropSockets();
    await eventually(() => !s.client.open, 10_000, "client notices the drop");
    s.client.send({ kind: "text", text: "离线时写的第一条" });
    s.client.send({ kind: "text", text: "离线时写的第二条" });
    assert.equal(s.client.pending.size, 2);
    for (const [i, text] of ["客服：第一条", "客服：第二条", "客服：第三条"].entries()) {
      s.staff.send({ type: "send", clientId: `staff-gap-000${i}`, content: { kind: "text", text } });
    }
    await s.staff.waitFor("ack", (f) => f.clientId === "staff-gap-0002", 10_000);

    // partysocket reconnects through a new wx.connectSocket; the client syncs and resends.
    await eventually(() => s.client.open && s.client.pending.size === 0, 20_000, "reconnected and everything acknowledged");
    assert.ok(s.shim.sockets.length > socketsBefore, "a new SocketTask was opened");
    await eventually(() => s.seen.some((m) => m.text === "客服：第三条"), 10_000, "gap synced");
    assertContiguous(s.client);
    assert.deepEqual(
      s.client.history().map((m) => m.text),
      ["断网前的消息", "客服：收到", "客服：第一条", "客服：第二条", "客服：第三条", "离线时写的第一条", "离线时写的第二条"],
    );
    assert.deepEqual(await storedTexts(s), s.client.history().map((m) => m.text));
    s.client.close();
    s.staff.close();
  });

  it("a message whose ack was lost with the connection is resent once and stored once", async () => {
    const s = await setup("wx-socket-lost-ack");
    // The server stores the message, but its ack never reaches the phone before the drop.
    let swallowed = 0;
    s.shim.network.dropIncoming = (frame) => {
      if (!frame.includes('"type":"ack"')) return false;
      swallowed++;
      s.shim.dropSockets();
      return true;
    };
    s.client.send({ kind: "text", text: "这条的回执丢了" });
    await eventually(() => swallowed === 1, 10_000, "ack swallowed");
    s.shim.network.dropIncoming = undefined;
    await eventually(() => s.client.open && s.client.pending.size === 0, 20_000, "resent and acknowledged after reconnect");
    assert.deepEqual(await storedTexts(s), ["这条的回执丢了"]);
    assert.deepEqual(
      s.client.history().map((m) => [m.seq, m.text]),
      [[1, "这条的回执丢了"]],
    );
    s.client.close();
    s.staff.close();
  });

  it("keeps retrying with growing delays while offline, then delivers", async () => {
    const s = await setup("wx-socket-offline");
    s.shim.network.refuse = true;
    const attemptsBefore = s.shim.connectAttempts.length;
    s.shim.dropSockets();
    s.client.send({ kind: "text", text: "地铁里发的" });
    await eventually(() => s.shim.connectAttempts.length - attemptsBefore >= 5, 30_000, "several reconnect attempts");
    const times = s.shim.connectAttempts.slice(attemptsBefore);
    const gaps = times.slice(1).map((t, i) => t - times[i]);
    // Backoff: later attempts wait longer than the first ones (factor 1.3 per attempt).
    assert.ok(gaps[gaps.length - 1] > gaps[0], `delays grow: ${gaps.join(", ")} ms`);
    assert.equal(s.client.pending.size, 1);
    assert.deepEqual(await storedTexts(s), []);

    s.shim.network.refuse = false;
    await eventually(() => s.client.open && s.client.pending.size === 0, 30_000, "delivered after coming back online");
    assert.deepEqual(await storedTexts(s), ["地铁里发的"]);
    s.client.close();
    s.staff.close();
  });
});
