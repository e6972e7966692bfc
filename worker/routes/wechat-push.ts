// WeChat's message-push server URL (开发管理 → 消息推送, plaintext JSON mode): GET answers the URL
// verification's echostr, POST receives events; both must carry WeChat's signature made with
// WECHAT_PUSH_TOKEN. Handled: `wxa_media_check`, the verdict of an asynchronous media check.
import type { Context } from "hono";
import { forbidden } from "../../domain/errors";
import { mediaCheckEventSchema, recordMediaVerdict } from "../../domain/wechat/media-check";
import { pushSignatureValid } from "../../domain/wechat/push-signature";
import type { AppEnv } from "../http/app";
import { router } from "../http/app";
import { conversationRoom } from "../rooms-client";

async function verify(c: Context<AppEnv>) {
  const q = c.req.query();
  if (!(await pushSignatureValid(c.env.WECHAT_PUSH_TOKEN, q))) throw forbidden("签名无效");
}

export const wechatPushRoutes = router()
  .get("/", async (c) => {
    await verify(c);
    return c.text(c.req.query("echostr") ?? "");
  })
  .post("/", async (c) => {
    await verify(c);
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      body = null;
    }
    const event = mediaCheckEventSchema.safeParse(body);
    // Other events (or shapes) are acknowledged and ignored, so WeChat does not retry them.
    if (event.success) {
      const risky = await recordMediaVerdict(c.get("db"), event.data);
      if (risky) await conversationRoom(c.env, risky.conversationId).then((room) => room.flagMessage(risky.seq));
    }
    return c.text("success");
  });
