// Service statistics (F010, seed 7.2), computed in SQL over D1 for a period [from, to) in ms.
//
// Definitions (system messages are ignored throughout; times are exact to the millisecond and
// reported in seconds with one decimal):
// - A customer turn starts at a customer message that follows a staff message or opens the
//   conversation; consecutive customer messages belong to the same turn. The turn is answered
//   by the next staff message, whose sender the response is credited to.
// - Response time of a turn: answer time minus the time of the turn's first customer message.
// - First response time of a conversation: the response time of its first turn, i.e. from the
//   first customer message to the first staff message after it.
// - Average response time: the mean response time over every answered turn (first turns included).
//   Turns are counted in the period where they started; unanswered turns are left out of both means.
// - Messages replied: staff messages sent in the period, by sender.
// - Customers served: distinct customers of the conversations in which the staff member sent a
//   message in the period.
// - Satisfaction: ratings of 4 or 5 stars divided by rated conversations; resolution and
//   conversion rates: conversations marked resolved / converted divided by conversations. These
//   count conversations started (first message) in the period and credit the staff member who
//   holds the conversation (after any transfer).
// Team and group rows are aggregated in SQL over the same turns and conversations, not averaged
// from the staff rows.
// Conversations whose D1 message copies the copy window removed (domain/copy-window.ts) count
// through message_rollups, per hour: the same figures for any period that starts and ends on a
// whole hour (the admin's are whole days), so deleting the copies changes no statistic.
import { asc, type SQL, sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { staff, staffGroups } from "./db/schema";
import type { StatsResult, StatsRow } from "../protocol";
import { turnCtes } from "./message-turns";

type Level = "staff" | "group" | "team";
const KEY: Record<Level, SQL> = {
  staff: sql.raw("s.id"),
  group: sql.raw("coalesce(s.group_id, '')"),
  team: sql.raw("'team'"),
};
export const TEAM_KEY = "team";

type TurnRow = { key: string; firstSeconds: number | null; firstCount: number; avgSeconds: number | null; turnCount: number };
type MessageRow = { key: string; replied: number; served: number };
type OutcomeRow = {
  key: string;
  conversations: number;
  rated: number;
  satisfied: number;
  resolved: number;
  converted: number;
  satisfaction: number | null;
  resolutionRate: number | null;
  conversionRate: number | null;
};

function turnsQuery(key: SQL, from: number, to: number): SQL {
  return sql`
    WITH ${turnCtes(sql`m.conversation_id IN (SELECT DISTINCT conversation_id FROM messages WHERE sent_at >= ${from} AND sent_at < ${to})`)},
    answered AS (
      SELECT staff_id, 1 AS n, ms, n = 1 AS first_n, CASE WHEN n = 1 THEN ms ELSE 0 END AS first_ms
      FROM turns WHERE at >= ${from} AND at < ${to}
      UNION ALL
      SELECT sender_id, turns, turn_ms, first_turns, first_ms
      FROM message_rollups WHERE sender_type = 'staff' AND turns > 0 AND hour >= ${from} AND hour < ${to}
    )
    SELECT ${key} AS "key",
           ROUND(TOTAL(t.first_ms) / NULLIF(TOTAL(t.first_n), 0) / 1000.0, 1) AS "firstSeconds",
           TOTAL(t.first_n) AS "firstCount",
           ROUND(TOTAL(t.ms) / TOTAL(t.n) / 1000.0, 1) AS "avgSeconds",
           TOTAL(t.n) AS "turnCount"
    FROM answered t JOIN staff s ON s.id = t.staff_id
    GROUP BY 1`;
}

function messagesQuery(key: SQL, from: number, to: number): SQL {
  return sql`
    WITH replies AS (
      SELECT conversation_id AS cid, sender_id AS sid, 1 AS n
      FROM messages WHERE sender_type = 'staff' AND sent_at >= ${from} AND sent_at < ${to}
      UNION ALL
      SELECT conversation_id, sender_id, messages
      FROM message_rollups WHERE sender_type = 'staff' AND messages > 0 AND hour >= ${from} AND hour < ${to}
    )
    SELECT ${key} AS "key", TOTAL(r.n) AS "replied", COUNT(DISTINCT c.customer_id) AS "served"
    FROM replies r
    JOIN conversations c ON c.id = r.cid
    JOIN staff s ON s.id = r.sid
    GROUP BY 1`;
}

function outcomesQuery(key: SQL, from: number, to: number): SQL {
  return sql`
    SELECT ${key} AS "key",
           COUNT(*) AS "conversations",
           COUNT(c.rating) AS "rated",
           TOTAL(c.rating >= 4) AS "satisfied",
           TOTAL(c.resolved) AS "resolved",
           TOTAL(c.converted) AS "converted",
           ROUND(TOTAL(c.rating >= 4) / NULLIF(COUNT(c.rating), 0), 4) AS "satisfaction",
           ROUND(TOTAL(c.resolved) / COUNT(*), 4) AS "resolutionRate",
           ROUND(TOTAL(c.converted) / COUNT(*), 4) AS "conversionRate"
    FROM conversations c JOIN staff s ON s.id = c.staff_id
    WHERE c.started_at >= ${from} AND c.started_at < ${to}
    GROUP BY 1`;
}

function emptyRow(key: string, name: string): StatsRow {
  return {
    key,
    name,
    customersServed: 0,
    messagesReplied: 0,
    firstResponseSeconds: null,
    firstResponses: 0,
    avgResponseSeconds: null,
    responses: 0,
    conversations: 0,
    rated: 0,
    satisfied: 0,
    resolved: 0,
    converted: 0,
    satisfaction: null,
    resolutionRate: null,
    conversionRate: null,
  };
}

async function aggregate(db: Db, level: Level, from: number, to: number, names: Map<string, string>): Promise<StatsRow[]> {
  const key = KEY[level];
  const [turns, msgs, outcomes] = await Promise.all([
    db.all<TurnRow>(turnsQuery(key, from, to)),
    db.all<MessageRow>(messagesQuery(key, from, to)),
    db.all<OutcomeRow>(outcomesQuery(key, from, to)),
  ]);
  const rows = new Map<string, StatsRow>();
  const row = (k: string) => {
    let r = rows.get(k);
    if (!r) rows.set(k, (r = emptyRow(k, names.get(k) ?? k)));
    return r;
  };
  for (const k of names.keys()) row(k);
  for (const t of turns) {
    Object.assign(row(t.key), {
      firstResponseSeconds: t.firstSeconds,
      firstResponses: Number(t.firstCount),
      avgResponseSeconds: t.avgSeconds,
      responses: Number(t.turnCount),
    });
  }
  for (const m of msgs) Object.assign(row(m.key), { messagesReplied: Number(m.replied), customersServed: Number(m.served) });
  for (const o of outcomes) {
    Object.assign(row(o.key), {
      conversations: Number(o.conversations),
      rated: Number(o.rated),
      satisfied: Number(o.satisfied),
      resolved: Number(o.resolved),
      converted: Number(o.converted),
      satisfaction: o.satisfaction,
      resolutionRate: o.resolutionRate,
      conversionRate: o.conversionRate,
    });
  }
  return [...rows.values()];
}

export async function computeStats(db: Db, from: number, to: number): Promise<StatsResult> {
  const [people, groups] = await Promise.all([
    db.select().from(staff).orderBy(asc(staff.code)),
    db.select().from(staffGroups).orderBy(asc(staffGroups.createdAt)),
  ]);
  // Enabled front-line staff are listed even when idle; supervisors, admins and disabled accounts only when they served.
  const staffNames = new Map(people.filter((p) => p.role === "staff" && !p.disabled).map((p) => [p.id, p.name]));
  const allNames = new Map(people.map((p) => [p.id, p.name]));
  const groupNames = new Map<string, string>([...groups.map((g) => [g.id, g.name] as [string, string])]);
  const [staffRows, groupRows, teamRows] = await Promise.all([
    aggregate(db, "staff", from, to, staffNames),
    aggregate(db, "group", from, to, groupNames),
    aggregate(db, "team", from, to, new Map([[TEAM_KEY, "全体客服"]])),
  ]);
  for (const r of staffRows) r.name = allNames.get(r.key) ?? r.key;
  for (const r of groupRows) if (r.key === "") r.name = "未分组";
  return { from, to, staff: staffRows, groups: groupRows, team: teamRows[0] };
}
