// Calls WeChat with the app's shared access token (rooms/wechat-token-room.ts).
import type { Env } from "../env";
import { withAccessToken } from "./token";

export const TOKEN_ROOM_NAME = "main";

function tokenRoom(env: Pick<Env, "WechatTokenRoom">) {
  return env.WechatTokenRoom.get(env.WechatTokenRoom.idFromName(TOKEN_ROOM_NAME));
}

/** Runs `fn` with the shared token; a token WeChat rejects is refreshed once and `fn` retried once. */
export function withWechatToken<T>(env: Pick<Env, "WechatTokenRoom">, fn: (token: string) => Promise<T>): Promise<T> {
  const room = tokenRoom(env);
  return withAccessToken(
    () => room.token(),
    (bad) => room.invalidate(bad),
    fn,
  );
}
