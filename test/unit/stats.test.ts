// Statistics over fixture conversations with known timings equal the hand-computed values: the
// SQL of domain/stats.ts on SQLite, no server (the route is covered in admin-api.test.ts).
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { computeStats } from "../../domain/stats";
import type { StatsResult, StatsRow } from "../../protocol";
import { STATS_FIXTURE_SQL, STATS_PERIOD } from "../admin-fixtures";
import { seededDb } from "./sqlite-db";

let stats: StatsResult;
let empty: StatsResult;
before(async () => {
  const db = await seededDb(STATS_FIXTURE_SQL);
  stats = await computeStats(db, STATS_PERIOD.from, STATS_PERIOD.to);
  empty = await computeStats(db, 0, 1000);
});
const pick = (rows: StatsRow[], key: string) => {
  const row = rows.find((r) => r.key === key);
  assert.ok(row, `row ${key}`);
  return row;
};
const metrics = (r: StatsRow) => ({
  customersServed: r.customersServed,
  messagesReplied: r.messagesReplied,
  firstResponseSeconds: r.firstResponseSeconds,
  firstResponses: r.firstResponses,
  avgResponseSeconds: r.avgResponseSeconds,
  responses: r.responses,
  conversations: r.conversations,
  rated: r.rated,
  satisfied: r.satisfied,
  satisfaction: r.satisfaction,
  resolutionRate: r.resolutionRate,
  conversionRate: r.conversionRate,
});

describe("statistics", () => {
  it("computes per-staff first and average response times, satisfaction, resolution and conversion", () => {
    // kf01: turns c_s1 90 s (first), 60 s, 120 s (the system message is ignored); c_s2 300 s (first;
    // the staff greeting before the customer spoke is not a reply; the last customer turn is unanswered).
    assert.deepEqual(metrics(pick(stats.staff, "s_kf01")), {
      customersServed: 2,
      messagesReplied: 5,
      firstResponseSeconds: 195, // (90 + 300) / 2
      firstResponses: 2,
      avgResponseSeconds: 142.5, // (90 + 60 + 120 + 300) / 4
      responses: 4,
      conversations: 2,
      rated: 2,
      satisfied: 1, // 5 stars yes, 3 stars no
      satisfaction: 0.5,
      resolutionRate: 1,
      conversionRate: 0.5,
    });
    // kf02: c_s3 45 s (first), 30 s; c_s4 101 s (first, before the transfer).
    assert.deepEqual(metrics(pick(stats.staff, "s_kf02")), {
      customersServed: 2,
      messagesReplied: 3,
      firstResponseSeconds: 73, // (45 + 101) / 2
      firstResponses: 2,
      avgResponseSeconds: 58.7, // 176 / 3 = 58.67
      responses: 3,
      conversations: 1,
      rated: 1,
      satisfied: 1,
      satisfaction: 1,
      resolutionRate: 0,
      conversionRate: 1,
    });
    // vip01 answered the second turn of the transferred c_s4 (62 s) and holds it now.
    assert.deepEqual(metrics(pick(stats.staff, "s_vip01")), {
      customersServed: 1,
      messagesReplied: 1,
      firstResponseSeconds: null,
      firstResponses: 0,
      avgResponseSeconds: 62,
      responses: 1,
      conversations: 1,
      rated: 0,
      satisfied: 0,
      satisfaction: null,
      resolutionRate: 1,
      conversionRate: 0,
    });
  });

  it("aggregates the team and the groups over the same turns, not over staff averages", () => {
    assert.deepEqual(metrics(stats.team), {
      customersServed: 3,
      messagesReplied: 9,
      firstResponseSeconds: 134, // (90 + 300 + 45 + 101) / 4
      firstResponses: 4,
      avgResponseSeconds: 101, // 808 / 8
      responses: 8,
      conversations: 4, // c_s0 started before the period
      rated: 3,
      satisfied: 2,
      satisfaction: 0.6667,
      resolutionRate: 0.75,
      conversionRate: 0.5,
    });
    const service = pick(stats.groups, "g_service");
    assert.equal(service.firstResponseSeconds, 134); // kf01 and kf02 answered every first turn
    assert.equal(service.avgResponseSeconds, 106.6); // (570 + 176) / 7 = 106.57
    assert.equal(pick(stats.groups, "g_vip").avgResponseSeconds, 62);
    assert.equal(pick(stats.groups, "g_vip").name, "大客户组");
  });

  it("lists idle staff with empty figures", () => {
    assert.equal(pick(empty.staff, "s_kf01").messagesReplied, 0);
    assert.equal(empty.team.satisfaction, null);
    assert.equal(empty.team.responses, 0);
  });
});
