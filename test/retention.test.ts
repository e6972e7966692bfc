import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  conversationsSql,
  customersSql,
  type FixtureMessage,
  messagesSql,
  mintToken,
  newConversationId,
} from "../scripts/fixtures";
import { settingSql } from "../scripts/seed";
import { queryJson, runWrangler } from "../scripts/wrangler";
import { executeLocalD1 } from "../scripts/local-d1";
import { DAILY_CRON } from "../domain/backup";
import { runCron, TICK_CRON } from "./cron";
import { api, eventually, startTestSystem, TEST_SECRET, type TestSystem } from "./harness";

const DAY = 24 * 3600 * 1000;
const now = Date.now();
const oldEnded = newConversationId();
const recentEnded = newConversationId();
/** Old but never ended: the idle sweep ends it now, so it is kept for another retention period. */
const oldOpen = newConversationId();
const ids = [oldEnded, recentEnded, oldOpen];

const messages = (conversationId: string, at: number): FixtureMessage[] => [
  { conversationId, seq: 1, senderType: "customer", senderId: "u_keep01", text: "你好", sentAt: at },
  { conversationId, seq: 2, senderType: "staff", senderId: "s_kf01", text: "您好", sentAt: at + 1000 },
];

const fixtures = [
  settingSql("retentionDays", 30),
  // The copies of recentEnded stay (test/copy-window.test.ts covers the window).
  settingSql("messageCopyDays", 30),
  customersSql([{ id: "u_keep01", createdAt: now - 90 * DAY }]),
  conversationsSql([
    // Open while the test uploads their media (uploads into ended conversations are refused), ended right after.
    { id: oldEnded, customerId: "u_keep01", staffId: "s_kf01", status: "active", createdAt: now - 60 * DAY, lastMessageAt: now - 45 * DAY, endedAt: now - 44 * DAY, lastSeq: 2 },
    { id: recentEnded, customerId: "u_keep01", staffId: "s_kf01", status: "active", createdAt: now - 10 * DAY, lastMessageAt: now - 5 * DAY, endedAt: now - 4 * DAY, lastSeq: 2 },
    { id: oldOpen, customerId: "u_keep01", staffId: "s_kf01", status: "active", createdAt: now - 50 * DAY, lastMessageAt: now - 40 * DAY, lastSeq: 2 },
  ]),
  messagesSql([...messages(oldEnded, now - 46 * DAY), ...messages(recentEnded, now - 6 * DAY), ...messages(oldOpen, now - 41 * DAY)]),
  `INSERT INTO transfers (id, conversation_id, from_staff_id, to_staff_id, by_staff_id, created_at) VALUES ('t_old', '${oldEnded}', 's_kf02', 's_kf01', 's_sup01', ${now - 45 * DAY});`,
].join("\n");

// A 1×1 PNG.
const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

let sys: TestSystem;
let stopped = false;
before(async () => {
  sys = await startTestSystem({ extraSql: fixtures });
});
after(async () => {
  if (!stopped) await sys?.close();
});

async function upload(token: string, conversationId: string): Promise<string> {
  const form = new FormData();
  form.set("conversationId", conversationId);
  form.set("file", new Blob([new Uint8Array(PNG)], { type: "image/png" }), "a.png");
  const res = await api(sys, "/api/media", { token, raw: form });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.key;
}

async function r2Has(persistTo: string, key: string): Promise<boolean> {
  try {
    await runWrangler(["r2", "object", "get", `kefu-media/${key}`, "--local", "--persist-to", persistTo, "--pipe"]);
    return true;
  } catch {
    return false;
  }
}

describe("retention", () => {
  it("deletes ended conversations past retentionDays with their messages, transfers and media, and keeps the rest", async () => {
    const admin = await mintToken(TEST_SECRET, "s_admin", "admin");
    const keys = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await upload(admin, id)] as const)));
    await executeLocalD1(sys.persistTo, `UPDATE conversations SET status = 'ended' WHERE id IN ('${oldEnded}', '${recentEnded}');`);

    // The daily cron only backs up; retention rides on the 5-minute tick.
    await runCron(sys, DAILY_CRON);
    assert.equal((await api(sys, `/api/conversations/${oldEnded}`, { token: admin })).status, 200);

    await runCron(sys, TICK_CRON);
    await eventually(async () => (await api(sys, `/api/conversations/${oldEnded}`, { token: admin })).status === 404, 15_000, "old conversation deleted");
    assert.equal((await api(sys, `/api/conversations/${recentEnded}`, { token: admin })).status, 200);
    const open = await api(sys, `/api/conversations/${oldOpen}`, { token: admin });
    assert.equal(open.status, 200);
    assert.equal(open.body.status ?? open.body.conversation?.status, "ended", "the idle sweep ended the old open conversation");
    const recentHistory = await api(sys, `/api/conversations/${recentEnded}/messages`, { token: admin });
    assert.equal(recentHistory.body.messages.length, 2);

    await sys.close();
    stopped = true;
    const rows = await queryJson<{ id: string; messages: number; transfers: number }>(
      sys.persistTo,
      `SELECT c.column1 AS id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.column1) AS messages, (SELECT count(*) FROM transfers t WHERE t.conversation_id = c.column1) AS transfers FROM (VALUES ${ids.map((id) => `('${id}')`).join(", ")}) c`,
    );
    assert.deepEqual(
      Object.fromEntries(rows.map((r) => [r.id, [r.messages, r.transfers]])),
      { [oldEnded]: [0, 0], [recentEnded]: [2, 0], [oldOpen]: [2, 0] },
    );
    const [{ n }] = await queryJson<{ n: number }>(sys.persistTo, `SELECT count(*) AS n FROM conversations WHERE id = '${oldEnded}'`);
    assert.equal(n, 0);
    assert.equal(await r2Has(sys.persistTo, keys[oldEnded]), false, "old media deleted");
    assert.equal(await r2Has(sys.persistTo, keys[recentEnded]), true, "recent media kept");
    assert.equal(await r2Has(sys.persistTo, keys[oldOpen]), true, "media of the just-ended conversation kept");
  });
});
