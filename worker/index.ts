// The Worker: HTTP API, socket routing to the room actors, static assets and cron.
import { routePartykitRequest } from "partyserver";
import type { Env } from "../domain/env";
import { errorResponse, notFound } from "../domain/errors";
import { socketRateLimit } from "./http/rate-limit";
import { app } from "./app";
import { runScheduled } from "./scheduled";
import { authorizeSocket } from "./socket-auth";

export { ConversationRoom } from "../rooms/conversation-room";
export { StaffRoom } from "../rooms/staff-room";
export { WechatTokenRoom } from "../rooms/wechat-token-room";
export { MonitorRoom } from "../rooms/monitor-room";
export { RateLimiter } from "../rooms/rate-limiter";
export { SessionRoom } from "../rooms/session-room";
export { D1CopyRoom } from "../rooms/d1-copy-room";

const PUBLIC_PARTIES = /^\/parties\/(conversation-room|staff-room|monitor-room)\/[^/]+$/;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/parties/")) {
      // partyserver answers an unknown party with a plain-text 400 of its own.
      if (!PUBLIC_PARTIES.test(url.pathname)) return errorResponse(notFound());
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
  // Awaited, not handed to waitUntil: the run is reported failed when a step fails, and
  // wrangler's /__scheduled answers only once the steps are done.
  async scheduled(controller: ScheduledController, env: Env) {
    await runScheduled(env, controller.scheduledTime, controller.cron);
  },
} satisfies ExportedHandler<Env>;
