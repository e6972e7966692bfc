// Reports for supervisors and admins: activity per day/hour, satisfaction with comments, push log.
import { and, gte, isNotNull } from "drizzle-orm";
import { pushes } from "../../../domain/db/schema";
import { parseOr400 } from "../../../domain/errors";
import { activitySeries, pushLog, satisfactionReport } from "../../../domain/reports";
import { type PushLog, reportQuerySchema, statsQuerySchema } from "../../../protocol";
import { router } from "../../http/app";
import { toPushRecord } from "../pushes";

export const reportRoutes = router()
  .get("/series", async (c) => c.json(await activitySeries(c.get("db"), parseOr400(reportQuerySchema, c.req.query()))))
  .get("/satisfaction", async (c) => {
    const { from, to } = parseOr400(statsQuerySchema, c.req.query());
    return c.json(await satisfactionReport(c.get("db"), from, to));
  })
  .get("/pushes", async (c) => {
    const { from, to } = parseOr400(statsQuerySchema, c.req.query());
    const db = c.get("db");
    const log = await pushLog(db, from, to);
    // A retry is always newer than its original, so the retries of this period's pushes are here.
    const retries = await db.select({ id: pushes.retryOf }).from(pushes).where(and(isNotNull(pushes.retryOf), gte(pushes.createdAt, from)));
    const retried = new Set(retries.map((r) => r.id));
    const body: PushLog = {
      counts: log.counts,
      arrivalRate: log.arrivalRate,
      items: log.rows.map((r) => ({ ...toPushRecord(r.push, retried.has(r.push.id)), customerName: r.customerName, staffName: r.staffName })),
    };
    return c.json(body);
  });
