// Reports beside the statistics (F010): activity per day or hour, the satisfaction report with the
// rating comments, and the push log with its arrival rate. Periods are [from, to) in ms.
import { and, desc, eq, gte, isNotNull, lt, sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { conversations, pushes, staff, users } from "./db/schema";
import type { PushLog, SatisfactionReport, SeriesPoint, SeriesResult } from "../protocol";

const BUCKET_MS = { day: 86_400_000, hour: 3_600_000 } as const;
const REPORT_ROWS = 500;
/** Ratings of 4 or 5 stars count as satisfied (as in domain/stats.ts). */
const SATISFIED = 4;

type Query = { from: number; to: number; bucket: "day" | "hour"; utcOffsetMinutes: number };

export async function activitySeries(db: Db, q: Query): Promise<SeriesResult> {
  const size = BUCKET_MS[q.bucket];
  const offset = q.utcOffsetMinutes * 60_000;
  const bucketOf = (col: string) => sql.raw(`((${col} + ${offset}) / ${size}) * ${size} - ${offset}`);
  const [started, msgs] = await Promise.all([
    db.all<{ at: number; n: number; rated: number; satisfied: number; resolved: number }>(sql`
      SELECT ${bucketOf("started_at")} AS at, count(*) AS n, count(rating) AS rated,
             sum(CASE WHEN rating >= ${SATISFIED} THEN 1 ELSE 0 END) AS satisfied, sum(resolved) AS resolved
      FROM conversations WHERE started_at >= ${q.from} AND started_at < ${q.to} GROUP BY 1`),
    // Messages whose D1 copies the copy window removed count by the hour from message_rollups.
    db.all<{ at: number; customer: number; staff: number }>(sql`
      SELECT ${bucketOf("at")} AS at, total(customer) AS customer, total(staff) AS staff FROM (
        SELECT sent_at AS at, sender_type = 'customer' AS customer, sender_type = 'staff' AS staff
        FROM messages WHERE sent_at >= ${q.from} AND sent_at < ${q.to}
        UNION ALL
        SELECT hour, CASE WHEN sender_type = 'customer' THEN messages ELSE 0 END, CASE WHEN sender_type = 'staff' THEN messages ELSE 0 END
        FROM message_rollups WHERE messages > 0 AND hour >= ${q.from} AND hour < ${q.to}
      ) GROUP BY 1`),
  ]);
  const points = new Map<number, SeriesPoint>();
  // Every bucket of the period is listed, empty ones too, so a chart's axis is even.
  const first = Math.floor((q.from + offset) / size) * size - offset;
  for (let at = first; at < q.to; at += size) points.set(at, { at, conversations: 0, customerMessages: 0, staffMessages: 0, rated: 0, satisfied: 0, resolved: 0 });
  for (const r of started) {
    const p = points.get(Number(r.at));
    if (p) Object.assign(p, { conversations: Number(r.n), rated: Number(r.rated), satisfied: Number(r.satisfied ?? 0), resolved: Number(r.resolved ?? 0) });
  }
  for (const r of msgs) {
    const p = points.get(Number(r.at));
    if (p) Object.assign(p, { customerMessages: Number(r.customer ?? 0), staffMessages: Number(r.staff ?? 0) });
  }
  return { bucket: q.bucket, points: [...points.values()] };
}

export async function satisfactionReport(db: Db, from: number, to: number): Promise<SatisfactionReport> {
  const period = and(gte(conversations.startedAt, from), lt(conversations.startedAt, to), isNotNull(conversations.rating));
  const [dist, rows] = await Promise.all([
    db.select({ rating: conversations.rating, n: sql<number>`count(*)` }).from(conversations).where(period).groupBy(conversations.rating),
    db
      .select({
        conversationId: conversations.id,
        customerName: users.nickname,
        staffName: staff.name,
        rating: sql<number>`${conversations.rating}`,
        comment: conversations.ratingComment,
        startedAt: conversations.startedAt,
      })
      .from(conversations)
      .leftJoin(users, eq(users.id, conversations.customerId))
      .leftJoin(staff, eq(staff.id, conversations.staffId))
      .where(period)
      .orderBy(desc(sql`${conversations.ratingComment} IS NOT NULL`), desc(conversations.startedAt))
      .limit(REPORT_ROWS),
  ]);
  const distribution = [0, 0, 0, 0, 0];
  for (const d of dist) if (d.rating) distribution[d.rating - 1] = Number(d.n);
  return { distribution, rated: distribution.reduce((a, b) => a + b, 0), items: rows };
}

/** Finished attempts: everything but the ones still in flight. */
const FINISHED = ["sent", "failed", "rate_limited", "no_credit"] as const;

export async function pushLog(db: Db, from: number, to: number): Promise<{ counts: PushLog["counts"]; arrivalRate: number | null; rows: PushLogRow[] }> {
  const period = and(gte(pushes.createdAt, from), lt(pushes.createdAt, to));
  const [byStatus, rows] = await Promise.all([
    db.select({ status: pushes.status, n: sql<number>`count(*)` }).from(pushes).where(period).groupBy(pushes.status),
    db
      .select({ push: pushes, customerName: users.nickname, staffName: staff.name })
      .from(pushes)
      .leftJoin(users, eq(users.id, pushes.customerId))
      .leftJoin(staff, eq(staff.id, pushes.staffId))
      .where(period)
      .orderBy(desc(pushes.createdAt))
      .limit(REPORT_ROWS),
  ]);
  const counts: PushLog["counts"] = { pending: 0, sent: 0, failed: 0, rate_limited: 0, no_credit: 0 };
  for (const r of byStatus) counts[r.status] = Number(r.n);
  const finished = FINISHED.reduce((n, s) => n + counts[s], 0);
  return { counts, arrivalRate: finished ? counts.sent / finished : null, rows };
}
export type PushLogRow = { push: typeof pushes.$inferSelect; customerName: string | null; staffName: string | null };
