// The Worker: HTTP API, socket routing to the room actors, static assets and cron.
import { Hono } from "hono";
import { routePartykitRequest } from "partyserver";
import { createDb } from "../domain/db/client";
import type { Env } from "../domain/env";
import type { AppEnv } from "./http/app";
import { errorResponse, notFound } from "../domain/errors";
import { authRoutes } from "./routes/auth";
import { adminRoutes } from "./routes/admin/index";
import { backupRoutes } from "./routes/admin/backups";
import { colleagueRoutes, conversationRoutes, inboxRoutes, outcomeRoutes } from "./routes/conversations";
import { customerRoutes } from "./routes/customers";
import { entryRoutes } from "./routes/entry";
import { mediaRoutes } from "./routes/media";
import { conversationPushRoutes, pushRoutes } from "./routes/pushes";
import { staffQrcodeRoutes } from "./routes/qrcode";
import { settingsRoutes } from "./routes/settings";
import { subscriptionRoutes } from "./routes/subscriptions";
import { templateRoutes } from "./routes/templates";
import { loginRateLimit, socketRateLimit, uploadRateLimit } from "./http/rate-limit";
import { runScheduled } from "./scheduled";
import { authorizeSocket } from "./socket-auth";

export { ConversationRoom } from "../rooms/conversation-room";
export { StaffRoom } from "../rooms/staff-room";
export { WechatTokenRoom } from "../rooms/wechat-token-room";
export { MonitorRoom } from "../rooms/monitor-room";
export { RateLimiter } from "../rooms/rate-limiter";
export { SessionRoom } from "../rooms/session-room";

const app = new Hono<AppEnv>();
app.use("/api/*", async (c, next) => {
  c.set("db", createDb(c.env));
  await next();
});
app.use("/api/auth/*", loginRateLimit);
app.route("/api/auth", authRoutes);
app.route("/api/entry", entryRoutes);
app.route("/api/staff", inboxRoutes);
app.route("/api/colleagues", colleagueRoutes);
app.route("/api/conversations", conversationRoutes);
app.route("/api/conversations", outcomeRoutes);
app.route("/api/conversations", conversationPushRoutes);
app.route("/api/customers", customerRoutes);
app.route("/api/templates", templateRoutes);
app.route("/api/subscriptions", subscriptionRoutes);
app.route("/api/pushes", pushRoutes);
app.use("/api/media", uploadRateLimit);
app.route("/api/media", mediaRoutes);
app.route("/api/admin/settings", settingsRoutes);
app.route("/api/admin/backups", backupRoutes);
// Before /api/admin: the admin router does not serve the QR code routes.
app.route("/api/admin/staff", staffQrcodeRoutes);
app.route("/api/admin", adminRoutes);
app.get("/api/health", (c) => c.json({ ok: true }));
app.all("/api/*", () => {
  throw notFound("接口不存在");
});
app.onError((error) => errorResponse(error));

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/parties/")) {
      const routed = await routePartykitRequest(request, env, {
        onBeforeConnect: async (req, lobby) => (await socketRateLimit(req, env)) ?? authorizeSocket(req, lobby, env),
        // Rooms speak only WebSocket; their HTTP side is not public.
        onBeforeRequest: () => errorResponse(notFound()),
      });
      return routed ?? errorResponse(notFound());
    }
    if (url.pathname.startsWith("/api/")) return app.fetch(request, env, ctx);
    return env.ASSETS.fetch(request);
  },
  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext) {
    ctx.waitUntil(runScheduled(env, controller.scheduledTime, controller.cron));
  },
} satisfies ExportedHandler<Env>;
