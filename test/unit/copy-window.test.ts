// The D1 copy window folds ended conversations' message copies into message_rollups before it
// deletes them: statistics and the activity series over whole hours are the same before and after.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sql } from "drizzle-orm";
import { trimMessageCopies } from "../../domain/copy-window";
import { activitySeries } from "../../domain/reports";
import { computeStats } from "../../domain/stats";
import type { HistoryReader } from "../../domain/room-history";
import { conversationSql, STATS_FIXTURE_SQL, T0 } from "../admin-fixtures";
import { seededDb } from "./sqlite-db";

const HOUR = 3_600_000;
/** Still open: its copies stay whatever its age. */
const OPEN_SQL = conversationSql({
  id: "c_open",
  customerId: "u_b",
  staffId: "s_kf01",
  base: T0 + 30 * 60_000,
  status: "active",
  messages: [
    { at: 0, from: "c", text: "还在吗" },
    { at: 45, from: "s_kf01", text: "在的" },
  ],
});
const DAY = 24 * HOUR;

describe("D1 copy window", () => {
  it("deletes only ended conversations' copies past the window and keeps every statistic", async () => {
    const db = await seededDb(`${STATS_FIXTURE_SQL}\n${OPEN_SQL}`);
    const count = async () => Number((await db.all<{ n: number }>(sql`select count(*) as n from messages`))[0].n);
    const maxSeq = async (id: string) => Number((await db.all<{ s: number }>(sql`select max(seq) as s from messages where conversation_id = ${id}`))[0].s ?? 0);
    // A room holding what D1 has (the e2e test reads real rooms).
    const rooms: HistoryReader = async (id) => ({ messages: [{ seq: await maxSeq(id) }] as never });
    const periods = [
      { from: T0 - 3 * DAY, to: T0 + 2 * DAY },
      { from: T0 - HOUR, to: T0 + DAY },
      ...Array.from({ length: 8 }, (_, i) => ({ from: T0 + (i - 1) * HOUR, to: T0 + i * HOUR })),
    ];
    const snapshot = () =>
      Promise.all([
        ...periods.map((p) => computeStats(db, p.from, p.to)),
        activitySeries(db, { from: T0 - 3 * DAY, to: T0 + 2 * DAY, bucket: "hour", utcOffsetMinutes: 480 }),
        activitySeries(db, { from: T0 - 3 * DAY, to: T0 + 2 * DAY, bucket: "day", utcOffsetMinutes: 480 }),
      ]);
    const before = await snapshot();
    const total = await count();
    const open = Number((await db.all<{ n: number }>(sql`select count(*) as n from messages m join conversations c on c.id = m.conversation_id where c.status != 'ended'`))[0].n);
    assert.ok(total > 10 && open > 0, "the fixture has ended and open conversations");

    // A day's window (the default) two hours after T0: only c_s0, over two days before, goes.
    assert.deepEqual(await trimMessageCopies(db, rooms, T0 + 2 * HOUR), { conversations: 1, messages: 2, notInRoom: 0 });
    assert.equal(await count(), total - 2);
    assert.deepEqual(await snapshot(), before);

    const trimmed = await trimMessageCopies(db, rooms, T0 + 10 * DAY);
    assert.equal(trimmed.messages, total - open - 2);
    assert.equal(await count(), open, "open conversations keep their copies");
    assert.deepEqual(await snapshot(), before);
    // A second run finds nothing more.
    assert.deepEqual(await trimMessageCopies(db, rooms, T0 + 10 * DAY), { conversations: 0, messages: 0, notInRoom: 0 });
  });

  it("keeps the copies of a conversation whose room lacks messages D1 has", async () => {
    const db = await seededDb(STATS_FIXTURE_SQL);
    const empty: HistoryReader = async () => ({ messages: [] });
    const result = await trimMessageCopies(db, empty, T0 + 10 * DAY);
    assert.equal(result.messages, 0);
    assert.ok(result.notInRoom > 0);
  });
});
