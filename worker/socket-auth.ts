// Authorizes a WebSocket upgrade before it reaches a room, and tells the room who is connecting.
import type { Lobby } from "partyserver";
import { IDENTITY_HEADER, type Identity } from "../rooms/identity";
import { MONITOR_ROOM } from "../rooms/monitor-room";
import type { Env } from "../domain/env";
import { tokenPrincipal } from "./http/auth";
import { ApiError, errorResponse, forbidden, notFound, unauthorized } from "../domain/errors";
import { seesAllConversations } from "../domain/auth/token";
import { identityKey } from "../domain/auth/session";
import { socketLimits } from "../domain/rate-limit";
import { tooManyRequests } from "./http/rate-limit";
import { admitSocket, isSocketRoom } from "../rooms/session-room";

/**
 * The ticket alone says who connects: /api/auth/ticket checked the account when it minted it, a
 * minute ago at most, and a session revoked since is refused below by the identity's SessionRoom
 * (its version floor). So an upgrade reads no D1: a burst of reconnects costs signatures and
 * actor calls, not a queue of database queries.
 */
export async function authorizeSocket(request: Request, lobby: Lobby<Env>, env: Env): Promise<Request | Response> {
  const p = await tokenPrincipal(request, env.TOKEN_SECRET);
  if (!p) return errorResponse(unauthorized("登录已失效，请重新登录"));
  let who: Identity;
  if (lobby.className === "ConversationRoom") {
    // The room checks the right to join against its own row (rooms/conversation-room.ts fetch).
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
  const admitted = await admitSocket(env, identityKey(p), { className: lobby.className, name: lobby.name }, socketLimits(env.RATE_LIMITS), p.ver);
  if (admitted === "revoked") return errorResponse(unauthorized("登录已失效，请重新登录"));
  if (admitted === "full") return errorResponse(new ApiError("rate_limited", "连接数过多，请关闭其他窗口后重试"));
  if (admitted !== "admitted") return errorResponse(tooManyRequests(admitted));
  const forwarded = new Request(request);
  forwarded.headers.set(IDENTITY_HEADER, JSON.stringify(who));
  return forwarded;
}
