// Authorizes a WebSocket upgrade before it reaches a room, and tells the room who is connecting.
import type { Lobby } from "partyserver";
import { IDENTITY_HEADER, type Identity } from "../rooms/identity";
import { MONITOR_ROOM } from "../rooms/monitor-room";
import { canSee } from "./access";
import { createDb } from "./db/client";
import { conversations } from "./db/schema";
import type { Env } from "./env";
import { principalOf } from "./http/auth";
import { ApiError } from "./http/errors";
import { seesAllConversations } from "./auth/token";
import { eq } from "drizzle-orm";

const deny = (status: number, code: string, message: string) =>
  new Response(JSON.stringify({ code, message }), { status, headers: { "content-type": "application/json" } });

export async function authorizeSocket(request: Request, lobby: Lobby<Env>, env: Env): Promise<Request | Response> {
  let p;
  try {
    p = await principalOf(request, env);
  } catch (error) {
    if (error instanceof ApiError) return deny(error.status, error.code, error.message);
    throw error;
  }
  if (!p) return deny(401, "unauthorized", "登录已失效，请重新登录");
  let who: Identity;
  if (lobby.className === "ConversationRoom") {
    const [row] = await createDb(env).select().from(conversations).where(eq(conversations.id, lobby.name)).limit(1);
    if (!row || !canSee(p, row)) return deny(p.role === "customer" || !row ? 404 : 403, "forbidden", "无权进入此会话");
    who = { party: p.role === "customer" ? "customer" : "staff", id: p.sub, role: p.role };
  } else if (lobby.className === "StaffRoom") {
    if (p.role === "customer" || p.sub !== lobby.name) return deny(403, "forbidden", "只能连接自己的工作台");
    who = { party: "staff", id: p.sub, role: p.role };
  } else if (lobby.className === "MonitorRoom") {
    if (!seesAllConversations(p.role) || lobby.name !== MONITOR_ROOM) return deny(403, "forbidden", "仅主管和管理员可查看在线监控");
    who = { party: "staff", id: p.sub, role: p.role };
  } else {
    return deny(404, "not_found", "不存在");
  }
  const forwarded = new Request(request);
  forwarded.headers.set(IDENTITY_HEADER, JSON.stringify(who));
  return forwarded;
}
