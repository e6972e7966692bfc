// A conversation room acks from its own storage and copies to D1 later: a kill in between loses
// nothing, a resend after the copy gets the original ack, and the copy is idempotent.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { customersSql, conversationsSql, messagesSql, mintToken, newConversationId } from "../scripts/fixtures";
import { openLocalD1, selectAll } from "../scripts/local-d1";
import { freePort, type RunningSystem, startSystem, startWorker, type SystemOptions } from "../scripts/system";
import { startFakeWechat, type FakeWechat } from "../fake-wechat/server";
import { ALWAYS_WORKING, conversationPath, copiedToD1, RawSocket, TEST_SECRET } from "./harness";

type Row = { seq: number; client_id: string; text: string };

async function d1Messages(persistTo: string, conversationId: string): Promise<Row[]> {
  const db = openLocalD1(persistTo);
  try {
    return await selectAll<Row>(db, "SELECT seq, client_id, text FROM messages WHERE conversation_id = ? ORDER BY seq", [conversationId]);
  } finally {
    db.close();
  }
}

const customerId = "u_copy0001";
const delayed = newConversationId();
const preCopied = newConversationId();

describe("D1 copy of a room's messages", () => {
  let wechat: FakeWechat;
  let options: SystemOptions;
  let system: RunningSystem;
  const host = () => `127.0.0.1:${options.port}`;

  before(async () => {
    wechat = await startFakeWechat();
    options = {
      persistTo: mkdtempSync(join(tmpdir(), "kefu-test-")),
      wechatBaseUrl: wechat.url,
      port: await freePort(),
      // Far later than the kill below, so it falls between the rooms' commits and their D1 copies.
      vars: {
        TOKEN_SECRET: TEST_SECRET,
        WECHAT_SECRET: wechat.secret,
        WECHAT_APPID: wechat.appid,
        D1_COPY_DELAY_MS: "600000",
        RATE_LIMITS: "send_identity=off",
      },
      extraSql: [
        ALWAYS_WORKING,
        customersSql([{ id: customerId }]),
        conversationsSql([
          { id: delayed, customerId, staffId: "s_kf01", status: "active" },
          { id: preCopied, customerId, staffId: "s_kf01", status: "active" },
        ]),
        // D1 already has seq 1 of this conversation (as after a copy whose record the room lost).
        messagesSql([{ conversationId: preCopied, seq: 1, senderType: "customer", senderId: customerId, text: "已在 D1", sentAt: Date.now() }]),
      ].join("\n"),
    };
    system = await startSystem(options);
  });

  after(async () => {
    await system?.stop();
    await wechat?.close();
  });

  it("loses nothing when killed between a room's commit and its D1 copy, and answers a later resend with the original ack", async () => {
    const token = await mintToken(TEST_SECRET, customerId, "customer");
    const socket = new RawSocket({ host: host() }, conversationPath(delayed), token);
    await socket.opened;
    const texts = ["第一条", "第二条", "第三条"];
    for (const [i, text] of texts.entries()) {
      socket.send({ type: "send", clientId: `kill-msg-${i}`, content: { kind: "text", text } });
      await socket.waitFor("ack", (f) => f.clientId === `kill-msg-${i}`);
    }
    // A conversation's first message is in D1 before its ack (it starts the conversation for
    // assignment and statistics); the others are acknowledged before their copy.
    assert.deepEqual(
      (await d1Messages(options.persistTo, delayed)).map((r) => r.client_id),
      ["kill-msg-0"],
      "later messages acked before the copy",
    );

    const exited = new Promise((r) => system.process.once("exit", r));
    process.kill(-system.process.pid!, "SIGKILL");
    await exited;
    // Restarted with a short copy delay: the copier (rooms/d1-copy-room.ts) kept what the room
    // handed over and writes it with its first flush once it runs again (here: the next message).
    options = { ...options, vars: { ...options.vars, D1_COPY_DELAY_MS: "200" } };
    system = await startWorker(options);

    const again = new RawSocket({ host: host() }, conversationPath(delayed), token);
    await again.opened;
    texts.push("重启后");
    again.send({ type: "send", clientId: "kill-msg-3", content: { kind: "text", text: "重启后" } });
    await again.waitFor("ack", (f) => f.clientId === "kill-msg-3");
    await copiedToD1(system, delayed, texts.length);
    const rows = await d1Messages(options.persistTo, delayed);
    assert.deepEqual(
      rows.map((r) => [r.seq, r.client_id, r.text]),
      texts.map((text, i) => [i + 1, `kill-msg-${i}`, text]),
    );

    again.send({ type: "send", clientId: "kill-msg-1", content: { kind: "text", text: "第二条" } });
    const ack = await again.waitFor("ack", (f) => f.clientId === "kill-msg-1");
    assert.equal(ack.seq, 2);
    assert.equal(ack.duplicate, true);
    again.send({ type: "sync", after: 0 });
    await again.waitFor("synced");
    assert.deepEqual(
      again.frames.filter((f) => f.type === "message").map((f) => (f.type === "message" ? [f.message.seq, f.message.text] : [])),
      texts.map((text, i) => [i + 1, text]),
    );
    assert.deepEqual(await d1Messages(options.persistTo, delayed), rows, "nothing written twice");
    again.close();
  });

  it("copies idempotently by (conversation, seq)", async () => {
    const token = await mintToken(TEST_SECRET, customerId, "customer");
    const socket = new RawSocket({ host: host() }, conversationPath(preCopied), token);
    await socket.opened;
    // Seq 1 is the message D1 already has (a first message is copied before its ack).
    const ids = Array.from({ length: 65 }, (_, i) => (i === 0 ? `fixture-${preCopied}-1` : `batch-msg-${i}`));
    for (const [i, clientId] of ids.entries()) socket.send({ type: "send", clientId, content: { kind: "text", text: i === 0 ? "已在 D1" : `第 ${i + 1} 条` } });
    await socket.waitFor("ack", (f) => f.clientId === ids[ids.length - 1], 20_000);
    await copiedToD1(system, preCopied, ids.length);
    const rows = await d1Messages(options.persistTo, preCopied);
    assert.deepEqual(rows.map((r) => r.client_id), ids);
    socket.close();
  });
});
