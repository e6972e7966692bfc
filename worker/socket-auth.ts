// Authorizes a WebSocket upgrade before it reaches a room, and tells the room who is connecting.
import type { Lobby } from "partyserver";
import { IDENTITY_HEADER, type Identity } from "../rooms/identity";
import { MONITOR_ROOM } from "../rooms/monitor-room";
import { canSee } from "../domain/access";
import { createDb } from "../domain/db/client";
import { conversations } from "../domain/db/schema";
import type { Env } from "../domain/env";
import { principalOf } from "./http/auth";
import { ApiError, errorResponse, forbidden, notFound, unauthorized } from "../domain/errors";
import { seesAllConversations } from "../domain/auth/token";
import { eq } from "drizzle-orm";
import { identityKey } from "../domain/auth/session";
import { socketCap } from "../domain/rate-limit";
import { admitSocket, isSocketRoom } from "../rooms/session-room";

export async function authorizeSocket(request: Request, lobby: Lobby<Env>, env: Env): Promise<Request | Response> {
  let p;
  try {
    p = await principalOf(request, env);
  } catch (error) {
    if (error instanceof ApiError) return errorResponse(error);
    throw error;
  }
  if (!p) return errorResponse(unauthorized("登录已失效，请重新登录"));
  let who: Identity;
  if (lobby.className === "ConversationRoom") {
    const [row] = await createDb(env).select().from(conversations).where(eq(conversations.id, lobby.name)).limit(1);
    // A customer is not told whether someone else's conversation exists.
    if (!row || (p.role === "customer" && !canSee(p, row))) return errorResponse(notFound("会话不存在"));
    if (!canSee(p, row)) return errorResponse(forbidden("无权进入此会话"));
    who = { party: p.role === "customer" ? "customer" : "staff", id: p.sub, role: p.role };
  } else if (lobby.className === "StaffRoom") {
    if (p.role === "customer" || p.sub !== lobby.name) return errorResponse(forbidden("只能连接自己的工作台"));
    who = { party: "staff", id: p.sub, role: p.role };
  } else if (lobby.className === "MonitorRoom") {
    if (!seesAllConversations(p.role) || lobby.name !== MONITOR_ROOM) return errorResponse(forbidden("仅主管和管理员可查看在线监控"));
    who = { party: "staff", id: p.sub, role: p.role };
  } else {
    return errorResponse(notFound());
  }
  if (!isSocketRoom(lobby.className)) return errorResponse(notFound());
  const admitted = await admitSocket(env, identityKey(p), { className: lobby.className, name: lobby.name }, socketCap(env.RATE_LIMITS), p.ver);
  if (!admitted) return errorResponse(new ApiError("rate_limited", "连接数过多，请关闭其他窗口后重试"));
  const forwarded = new Request(request);
  forwarded.headers.set(IDENTITY_HEADER, JSON.stringify(who));
  return forwarded;
}
