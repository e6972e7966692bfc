// Statistics (F010) for a period; definitions in domain/stats.ts.
import { router } from "../../http/app";
import { parseOr400 } from "../../../domain/errors";
import { statsQuerySchema } from "../../../protocol";
import { computeStats } from "../../../domain/stats";

export const statsRoutes = router().get("/", async (c) => {
  const { from, to } = parseOr400(statsQuerySchema, c.req.query());
  return c.json(await computeStats(c.get("db"), from, to));
});
