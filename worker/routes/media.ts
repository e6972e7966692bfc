import { conversationFor } from "../../domain/access";
import { router } from "../http/app";
import { anyone, principal } from "../http/auth";
import { ApiError, badRequest, forbidden, notFound } from "../../domain/errors";
import { SIGNED_URL_PARAM, verifySignedPath } from "../../domain/auth/signed-url";
import type { Env } from "../../domain/env";
import { MEDIA_CHECK_SIGNER, mediaRisky } from "../../domain/wechat/media-check";
import { sniffMedia } from "../../domain/media-type";
import { mediaKeySchema, type MediaUploadResult } from "../../protocol";
import { loadSettings } from "../../domain/settings";

const tooLarge = (max: number) => new ApiError("too_large", `文件不能超过 ${Math.floor(max / 1024 / 1024)}MB`);

export const mediaRoutes = router()
  .post("/", anyone(), async (c) => {
    const db = c.get("db");
    const { uploadMaxBytes } = await loadSettings(db);
    // Refuse early on the declared length; the multipart overhead is small next to the limit.
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > uploadMaxBytes + 64 * 1024) throw tooLarge(uploadMaxBytes);
    let form: FormData;
    try {
      form = await c.req.formData();
    } catch {
      throw badRequest("请使用 multipart/form-data 上传文件");
    }
    const file = form.get("file");
    const conversationId = form.get("conversationId");
    if (typeof conversationId !== "string" || !/^c_[0-9a-f]{32}$/.test(conversationId)) throw badRequest("缺少 conversationId");
    if (!file || typeof file === "string") throw badRequest("缺少文件 file");
    const conversation = await conversationFor(db, principal(c), conversationId);
    // No message can use a file uploaded now, so it would only wait for retention.
    if (conversation.status === "ended") throw new ApiError("conversation_ended", "会话已结束，请重新进入");
    if (file.size > uploadMaxBytes) throw tooLarge(uploadMaxBytes);
    if (file.size === 0) throw badRequest("文件为空");
    const bytes = new Uint8Array(await file.arrayBuffer());
    const sniffed = sniffMedia(bytes);
    if (!sniffed) throw new ApiError("unsupported_media", "只支持图片（JPEG/PNG/GIF/WebP）和语音（MP3/AAC/M4A/WAV/OGG/SILK）");
    const key = `media/${conversation.id}/${crypto.randomUUID().replace(/-/g, "")}`;
    await c.env.MEDIA.put(key, bytes, {
      httpMetadata: { contentType: sniffed.contentType },
      customMetadata: { uploader: principal(c).sub },
    });
    const result: MediaUploadResult = { key, kind: sniffed.kind, contentType: sniffed.contentType, size: bytes.length };
    return c.json(result, 201);
  })
  // WeChat's download for the asynchronous content check (domain/wechat/media-check.ts): a URL
  // signed for this path by no account, which only this route accepts.
  .get("/:conversation/:file", async (c, next) => {
    const signer = await verifySignedPath(c.env.TOKEN_SECRET, new URL(c.req.url).pathname, c.req.query(SIGNED_URL_PARAM) ?? null);
    if (signer?.sub !== MEDIA_CHECK_SIGNER) return next();
    return serveMedia(c.env, `media/${c.req.param("conversation")}/${c.req.param("file")}`);
  })
  .get("/:conversation/:file", anyone(), async (c) => {
    const key = `media/${c.req.param("conversation")}/${c.req.param("file")}`;
    if (!mediaKeySchema.safeParse(key).success) throw notFound("文件不存在");
    await conversationFor(c.get("db"), principal(c), c.req.param("conversation"));
    // WeChat found it risky: staff still see it (flagged in the history), customers no longer.
    if (principal(c).role === "customer" && (await mediaRisky(c.get("db"), key))) throw forbidden("该文件含有违规内容，已被隐藏");
    return serveMedia(c.env, key);
  });

async function serveMedia(env: Env, key: string): Promise<Response> {
  const object = await env.MEDIA.get(key);
  if (!object) throw notFound("文件不存在");
  return new Response(object.body, {
    headers: {
      "content-type": object.httpMetadata?.contentType ?? "application/octet-stream",
      "content-length": String(object.size),
      "cache-control": "private, max-age=86400",
      "x-content-type-options": "nosniff",
    },
  });
}
