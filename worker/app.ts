// The HTTP API: every route under /api, with its middleware and the JSON error answer.
import { Hono } from "hono";
import { createDb } from "../domain/db/client";
import { errorResponse, notFound } from "../domain/errors";
import type { AppEnv } from "./http/app";
import { loginRateLimit, uploadRateLimit } from "./http/rate-limit";
import { adminRoutes } from "./routes/admin/index";
import { backupRoutes } from "./routes/admin/backups";
import { authRoutes } from "./routes/auth";
import { h5AuthRoutes } from "./routes/h5-auth";
import { colleagueRoutes, conversationRoutes, inboxRoutes, outcomeRoutes } from "./routes/conversations";
import { customerRoutes } from "./routes/customers";
import { entryRoutes } from "./routes/entry";
import { mediaRoutes } from "./routes/media";
import { conversationPushRoutes, pushRoutes } from "./routes/pushes";
import { staffQrcodeRoutes } from "./routes/qrcode";
import { signedUrlRoutes } from "./routes/signed-urls";
import { wechatPushRoutes } from "./routes/wechat-push";
import { settingsRoutes } from "./routes/settings";
import { subscriptionRoutes } from "./routes/subscriptions";
import { templateRoutes } from "./routes/templates";

export const app = new Hono<AppEnv>();
app.use("/api/*", async (c, next) => {
  c.set("db", createDb(c.env));
  await next();
});
app.use("/api/auth/*", loginRateLimit);
app.route("/api/auth", authRoutes);
app.route("/api/auth/h5", h5AuthRoutes);
app.route("/api/signed-urls", signedUrlRoutes);
app.route("/api/wechat/push", wechatPushRoutes);
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

