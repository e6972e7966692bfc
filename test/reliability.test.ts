// No loss, no duplicates, order: sockets killed mid-send, resends, reconnect gap sync.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ConversationClient } from "../client/conversation-client";
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

const sys = useTestSystem({ extraSql: ALWAYS_WORKING });

/** Drops the TCP connection without a close handshake, as a phone losing signal does. */
function killSocket(client: ConversationClient) {
  const ws = (client.socket as unknown as { _ws?: { terminate?: () => void } })._ws;
  ws?.terminate?.();
}

async function storedHistory(conversationId: string, token: string) {
  const all: any[] = [];
  for (let after = 0; ; ) {
    const res = await api(sys, `/api/conversations/${conversationId}/messages?after=${after}&limit=200`, { token });
    assert.equal(res.status, 200);
    all.push(...res.body.messages);
    if (res.body.messages.length < 200) return all;
    after = res.body.messages.at(-1).seq;
  }
}

describe("delivery guarantees", () => {
  it("stores every message exactly once while sockets are killed mid-send", async () => {
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const customerChat = chatClient(sys, entry.conversationId, customer);
    const staffChat = chatClient(sys, entry.conversationId, staff);
    await eventually(() => customerChat.open && staffChat.open, 10_000, "sockets open");

    const perSide = 60;
    for (let i = 0; i < perSide; i++) {
      customerChat.send({ kind: "text", text: `顾客消息 ${i}` });
      staffChat.send({ kind: "text", text: `客服消息 ${i}` });
      if (i % 10 === 3) killSocket(customerChat);
      if (i % 15 === 7) killSocket(staffChat);
      if (i % 20 === 11) customerChat.reconnect();
      await new Promise((r) => setTimeout(r, 5));
    }
    // Past the first 30, the sends of each socket are rate limited (30 per 10 s), so this takes a while.
    await eventually(() => customerChat.pending.size === 0 && staffChat.pending.size === 0, 90_000, "every send acknowledged");
    const stored = await storedHistory(entry.conversationId, staff.token);
    assert.equal(stored.length, perSide * 2, "each message stored once");
    assert.equal(new Set(stored.map((m) => m.clientId)).size, perSide * 2, "no client id twice");
    assert.deepEqual(
      stored.map((m) => m.seq),
      stored.map((_, i) => i + 1),
      "seq is gapless",
    );
    // Each side's own messages keep their send order.
    const texts = (who: string) => stored.filter((m) => m.sender === who).map((m) => m.text);
    assert.deepEqual(texts("customer"), Array.from({ length: perSide }, (_, i) => `顾客消息 ${i}`));
    assert.deepEqual(texts("staff"), Array.from({ length: perSide }, (_, i) => `客服消息 ${i}`));

    // Both clients end with the database's history (the gap is synced after reconnects).
    const expected = stored.map((m) => [m.seq, m.clientId]);
    await eventually(() => customerChat.history().length === stored.length && staffChat.history().length === stored.length, 15_000, "histories complete");
    assert.deepEqual(customerChat.history().map((m) => [m.seq, m.clientId]), expected);
    assert.deepEqual(staffChat.history().map((m) => [m.seq, m.clientId]), expected);
    customerChat.close();
    staffChat.close();
  });

  it("answers a resend of an acknowledged client id with the original ack and no new row", async () => {
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await socket.opened;
    const frame = { type: "send", clientId: "resend-test-0001", content: { kind: "text", text: "只存一次" } };
    socket.send(frame);
    const first = await socket.waitFor("ack", (f) => f.clientId === "resend-test-0001");
    assert.equal(first.duplicate, false);
    socket.close();

    const again = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await again.opened;
    again.send(frame);
    again.send({ ...frame, content: { kind: "text", text: "内容不同也不会覆盖" } });
    const second = await again.waitFor("ack", (f) => f.clientId === "resend-test-0001");
    assert.equal(second.duplicate, true);
    assert.equal(second.seq, first.seq);
    assert.equal(second.sentAt, first.sentAt);
    const stored = await storedHistory(entry.conversationId, customer.token);
    assert.equal(stored.length, 1);
    assert.equal(stored[0].text, "只存一次");
    again.close();
  });

  it("replays the gap to a client that was away", async () => {
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const staffChat = chatClient(sys, entry.conversationId, staff);
    const customerChat = chatClient(sys, entry.conversationId, customer);
    await eventually(() => staffChat.open && customerChat.open, 10_000);
    customerChat.send({ kind: "text", text: "第一条" });
    await eventually(() => staffChat.history().length === 1, 10_000);
    staffChat.close();
    for (let i = 0; i < 5; i++) customerChat.send({ kind: "text", text: `离线期间 ${i}` });
    await eventually(() => customerChat.pending.size === 0, 10_000);

    // Resume from what the staff already had: only the gap comes back.
    const back = chatClient(sys, entry.conversationId, staff, {}, 1);
    const replayed: number[] = [];
    back.socket.addEventListener("message", (e: MessageEvent) => {
      const f = JSON.parse(String(e.data));
      if (f.type === "message") replayed.push(f.message.seq);
    });
    await eventually(() => back.lastSeq === 6, 10_000, "gap synced");
    assert.deepEqual(replayed, [2, 3, 4, 5, 6]);
    back.close();
    customerChat.close();
  });
});
