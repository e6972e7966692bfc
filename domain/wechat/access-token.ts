// Calls WeChat with the app's shared access token (rooms/wechat-token-room.ts).
import type { Env } from "../env";
import { withAccessToken } from "./token";

export const TOKEN_ROOM_NAME = "main";

function tokenRoom(env: Pick<Env, "WechatTokenRoom">) {
  return env.WechatTokenRoom.get(env.WechatTokenRoom.idFromName(TOKEN_ROOM_NAME));
}

/**
 * Each isolate keeps the room's answer for a minute, so a busy room does not make an actor call per
 * message. The room stays the one place that fetches and refreshes; a rejected token is dropped
 * here at once, and the room answers a stale report with its current token.
 */
export const LOCAL_TOKEN_TTL_MS = 60_000;
let local: { token: string; until: number } | null = null;

function keep(token: string): string {
  local = { token, until: Date.now() + LOCAL_TOKEN_TTL_MS };
  return token;
}

/** Runs `fn` with the shared token; a token WeChat rejects is refreshed once and `fn` retried once. */
export function withWechatToken<T>(env: Pick<Env, "WechatTokenRoom">, fn: (token: string) => Promise<T>): Promise<T> {
  // The room's stub (a name hash) only when the isolate's token will not do.
  return withAccessToken(
    async () => (local && local.until > Date.now() ? local.token : keep(await tokenRoom(env).token())),
    async (bad) => {
      if (local?.token === bad) local = null;
      return keep(await tokenRoom(env).invalidate(bad));
    },
    fn,
  );
}
