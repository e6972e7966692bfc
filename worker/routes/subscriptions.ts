// Subscribe-message credits of the signed-in customer (US003, F004). The mini program calls
// wx.requestSubscribeMessage on every send tap and reports the answers here.
import type { Context } from "hono";
import { type AppEnv, router } from "../http/app";
import { principal, requireRole } from "../http/auth";
import { readJson } from "../http/errors";
import { subscriptionRequestSchema, type SubscriptionsResult } from "../../protocol";
import { replyTemplate } from "../../domain/wechat/push-template";
import { recordSubscribeResults, subscriptionStates } from "../../domain/wechat/subscriptions";

async function currentState(c: Context<AppEnv>): Promise<SubscriptionsResult> {
  const db = c.get("db");
  const { templateId } = await replyTemplate(c.env, db);
  return { templateIds: [templateId], subscriptions: await subscriptionStates(db, principal(c).sub, [templateId]) };
}

export const subscriptionRoutes = router()
  .get("/", requireRole("customer"), async (c) => c.json(await currentState(c)))
  .post("/", requireRole("customer"), async (c) => {
    const { results } = await readJson(c, subscriptionRequestSchema);
    await recordSubscribeResults(c.get("db"), principal(c).sub, results);
    return c.json(await currentState(c));
  });
