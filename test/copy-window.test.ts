// The D1 copy window (domain/copy-window.ts): the 5-minute cron deletes D1's copies of messages of
// conversations over for longer than `messageCopyDays`, while their rooms keep the history:
// transcripts, the export and the customer's earlier-history page still show every message, and
// statistics do not change; content search covers the window.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { conversationsSql, customersSql, type FixtureMessage, messagesSql, mintToken, newConversationId } from "../scripts/fixtures";
import { settingSql } from "../scripts/seed";
import { openLocalD1, selectAll } from "../scripts/local-d1";
import { exportLineSchema } from "../protocol";
import { runCron, TICK_CRON } from "./cron";
import { api, changeSettings, eventually, TEST_SECRET, useTestSystem } from "./harness";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const now = Date.now();
const customer = "u_window01";
/** Over three days ago: past a 2-day window. */
const old = newConversationId();
/** Over an hour ago: inside the window. */
const recent = newConversationId();
/** The customer's conversation now, whose earlier-history page shows `old`. */
const current = newConversationId();

const chat = (conversationId: string, at: number, turns: number, tag: string): FixtureMessage[] =>
  Array.from({ length: turns }, (_, i) => [
    { conversationId, seq: 2 * i + 1, senderType: "customer" as const, senderId: customer, text: `${tag}问题${i + 1}`, sentAt: at + i * 600_000 },
    { conversationId, seq: 2 * i + 2, senderType: "staff" as const, senderId: "s_kf01", text: `${tag}回答${i + 1}`, sentAt: at + i * 600_000 + (i + 1) * 7_000 },
  ]).flat();
const oldMessages = chat(old, now - 4 * DAY, 3, "旧");
const recentMessages = chat(recent, now - 3 * HOUR, 2, "新");

const fixtures = [
  settingSql("messageCopyDays", 3),
  customersSql([{ id: customer, createdAt: now - 10 * DAY }]),
  conversationsSql([
    { id: old, customerId: customer, staffId: "s_kf01", status: "ended", createdAt: now - 4 * DAY, lastMessageAt: oldMessages.at(-1)!.sentAt, endedAt: now - 4 * DAY + HOUR, lastSeq: 6 },
    { id: recent, customerId: customer, staffId: "s_kf01", status: "ended", createdAt: now - 3 * HOUR, lastMessageAt: recentMessages.at(-1)!.sentAt, endedAt: now - HOUR, lastSeq: 4 },
    { id: current, customerId: customer, staffId: "s_kf01", status: "active", createdAt: now - 60_000, lastSeq: 0 },
  ]),
  `UPDATE conversations SET started_at = created_at WHERE id IN ('${old}', '${recent}');`,
  messagesSql([...oldMessages, ...recentMessages]),
].join("\n");

const sys = useTestSystem({ extraSql: fixtures });

async function copies(id: string): Promise<number> {
  const db = openLocalD1(sys.persistTo);
  try {
    const [row] = await selectAll<{ n: number }>(db, "SELECT count(*) AS n FROM messages WHERE conversation_id = ?", [id]);
    return Number(row.n);
  } finally {
    db.close();
  }
}

describe("D1 copy window", () => {
  it("validates the setting: an integer number of days from 1 to 183, else 400 {code, message}", async () => {
    const admin = await mintToken(TEST_SECRET, "s_admin", "admin");
    const stored = async () => (await api(sys, "/api/admin/settings", { token: admin })).body.settings.messageCopyDays;
    const was = await stored();
    for (const messageCopyDays of [0, 184, 1.5, "7"]) {
      const res = await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { messageCopyDays } });
      assert.equal(res.status, 400, `${messageCopyDays}: ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.code, "string");
      assert.match(res.body.message, /消息副本|messageCopyDays|number|数/);
    }
    const supervisor = await mintToken(TEST_SECRET, "s_sup01", "supervisor");
    assert.equal((await api(sys, "/api/admin/settings", { method: "PUT", token: supervisor, body: { messageCopyDays: 5 } })).status, 403);
    assert.equal(await stored(), was, "nothing refused was stored");
  });

  it("the cron deletes copies past the window; rooms, transcripts, export, earlier history and statistics keep them", async () => {
    const admin = await mintToken(TEST_SECRET, "s_admin", "admin");
    await changeSettings(sys, admin, { messageCopyDays: 2 });
    // Whole hours, as the console asks (beyond the window statistics are kept per hour).
    const from = Math.floor((now - 7 * DAY) / HOUR) * HOUR;
    const to = Math.ceil((now + HOUR) / HOUR) * HOUR;
    const figures = async () => ({
      stats: (await api(sys, `/api/admin/stats?from=${from}&to=${to}`, { token: admin })).body,
      hourly: (await api(sys, `/api/admin/reports/series?from=${from}&to=${to}&bucket=hour`, { token: admin })).body,
      daily: (await api(sys, `/api/admin/reports/series?from=${from}&to=${to}&bucket=day`, { token: admin })).body,
    });
    const found = async (keyword: string) =>
      (await api(sys, `/api/admin/conversations?keyword=${encodeURIComponent(keyword)}`, { token: admin })).body.items.map((c: { id: string }) => c.id);
    assert.deepEqual(await found("旧问题2"), [old], "content search finds a conversation while D1 has its copies");
    const before = await figures();
    const kf01 = before.stats.staff.find((r: { key: string }) => r.key === "s_kf01");
    assert.ok(kf01.messagesReplied >= 5 && kf01.responses >= 5, "the fixture's replies count before the trim");

    await runCron(sys, TICK_CRON);
    await eventually(async () => (await copies(old)) === 0, 15_000, "the old conversation's copies deleted");
    assert.equal(await copies(recent), 4, "copies inside the window stay");
    assert.deepEqual(await figures(), before, "statistics and reports unchanged");
    // Content search covers the window; search by the other fields still finds the old conversation.
    assert.deepEqual(await found("旧问题2"), []);
    assert.deepEqual(await found("新回答2"), [recent]);
    const byCustomer = await api(sys, `/api/admin/conversations?customer=${customer}`, { token: admin });
    assert.deepEqual(new Set(byCustomer.body.items.map((c: { id: string }) => c.id)), new Set([old, recent]));

    // The room still has the whole history: the parties' and the admin's transcript read it there.
    const history = await api(sys, `/api/conversations/${old}/messages?limit=50`, { token: admin });
    assert.equal(history.status, 200);
    assert.deepEqual(
      history.body.messages.map((m: { seq: number; text: string }) => [m.seq, m.text]),
      oldMessages.map((m) => [m.seq, m.text]),
    );

    // The export (Excel/PDF are built from this stream) has every message of the trimmed conversation.
    const res = await fetch(`${sys.url}/api/admin/conversations/export?from=${from}&to=${to}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.status, 200);
    const lines = (await res.text()).trim().split("\n").map((l) => exportLineSchema.parse(JSON.parse(l)));
    const exported = new Map(lines.flatMap((l) => (l.type === "conversation" ? [[l.conversation.id, l.messages.map((m) => m.text)]] : [])));
    assert.deepEqual(exported.get(old), oldMessages.map((m) => m.text));
    assert.deepEqual(exported.get(recent), recentMessages.map((m) => m.text));

    // The customer's earlier-history page reaches back into the trimmed conversation.
    const token = await mintToken(TEST_SECRET, customer, "customer");
    const earlier = await api(sys, `/api/conversations/${current}/earlier?limit=50`, { token });
    assert.equal(earlier.status, 200, JSON.stringify(earlier.body));
    const page2 = await api(sys, `/api/conversations/${current}/earlier?limit=50&before=${encodeURIComponent(earlier.body.next)}`, { token });
    assert.deepEqual(
      [...page2.body.messages, ...earlier.body.messages].map((m: { text: string }) => m.text),
      [...oldMessages, ...recentMessages].map((m) => m.text),
    );

    // A second run finds nothing more to delete and changes nothing.
    await runCron(sys, TICK_CRON);
    assert.deepEqual(await figures(), before);
  });
});
