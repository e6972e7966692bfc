// Asynchronous content check of customer images and voice (issue 14 item 4): after the message is
// stored, WeChat is asked to download the file (media_check_async) through a signed URL on the
// public origin; its verdict arrives later as a `wxa_media_check` message-push event
// (worker/routes/wechat-push.ts). trace_id → (conversation, seq) is kept in D1 (media_checks).
import { and, eq, inArray, isNull, lt } from "drizzle-orm";
import * as z from "zod";
import { signPath } from "../auth/signed-url";
import type { Db } from "../db/client";
import { conversations, mediaChecks, messages } from "../db/schema";
import type { Env } from "../env";
import { withWechatToken } from "./access-token";
import { hasWechatOpenid } from "./customer";
import { mediaCheckBase, wechatClient } from "./env";

/** Who signs the URL WeChat downloads from: no account, accepted by the media route alone. */
export const MEDIA_CHECK_SIGNER = "wechat:media-check";
/** WeChat pushes the verdict within 30 minutes; its download comes before that. */
export const MEDIA_CHECK_URL_TTL_MS = 60 * 60_000;
/** mediaCheckAsync scene 2: comments, as for text (content-check.ts). */
const SCENE_COMMENT = 2;

export type StoredMedia = { conversationId: string; seq: number; kind: "image" | "voice"; mediaKey: string };

/**
 * Asks WeChat to check a stored customer image or voice clip (the message was already shown: the
 * check can only flag it afterwards). `skipped`: no public origin is configured, so media checks
 * are off (customers without an openid WeChat knows, H5 guests, have theirs flagged at store
 * time, content-check.ts). `failed`: WeChat refused or could not be reached (logged); the caller
 * flags the message for staff review, as an unchecked text is.
 */
export async function startMediaCheck(env: Env, db: Db, openid: string | null | undefined, media: StoredMedia): Promise<"started" | "skipped" | "failed"> {
  const base = mediaCheckBase(env);
  if (!base || !hasWechatOpenid(openid)) return "skipped";
  try {
    const url = await signPath(env.TOKEN_SECRET, { sub: MEDIA_CHECK_SIGNER, role: "admin", ver: 0 }, `/api/${media.mediaKey}`, MEDIA_CHECK_URL_TTL_MS);
    const { trace_id } = await withWechatToken(env, (token) =>
      wechatClient(env).mediaCheckAsync(token, {
        media_url: `${base}${url}`,
        media_type: media.kind === "voice" ? 1 : 2,
        version: 2,
        scene: SCENE_COMMENT,
        openid,
      }),
    );
    await db.insert(mediaChecks).values({ traceId: trace_id, conversationId: media.conversationId, seq: media.seq, mediaKey: media.mediaKey, createdAt: Date.now() }).onConflictDoNothing();
    return "started";
  } catch (error) {
    console.warn(`media check not started, message flagged: ${String(error)}`);
    return "failed";
  }
}

/** The `wxa_media_check` event as WeChat pushes it (JSON mode); label comes as a string or a number. */
export const mediaCheckEventSchema = z.object({
  MsgType: z.literal("event"),
  Event: z.literal("wxa_media_check"),
  trace_id: z.string().min(1).max(128),
  result: z.object({ suggest: z.enum(["pass", "review", "risky"]), label: z.coerce.number().int() }),
});
export type MediaCheckEvent = z.infer<typeof mediaCheckEventSchema>;

/**
 * Records a verdict once per trace id. Returns the message to flag when the verdict is risky (also
 * when the event comes again: flagging is idempotent, and a repeat may follow a failed attempt),
 * or null.
 */
export async function recordMediaVerdict(db: Db, event: MediaCheckEvent, now = Date.now()): Promise<{ conversationId: string; seq: number } | null> {
  const [check] = await db.select().from(mediaChecks).where(eq(mediaChecks.traceId, event.trace_id)).limit(1);
  if (!check) return null;
  // Once: a check closed without a verdict (unansweredMediaChecks) still takes a late one.
  if (check.suggest === null) {
    await db.update(mediaChecks).set({ suggest: event.result.suggest, label: event.result.label, checkedAt: now }).where(eq(mediaChecks.traceId, event.trace_id));
  }
  const suggest = check.suggest ?? event.result.suggest;
  return suggest === "risky" ? { conversationId: check.conversationId, seq: check.seq } : null;
}

/**
 * Checks WeChat has not answered by the time its download URL expired: the file can no longer be
 * checked, so the message is to be flagged like media WeChat would not check. `live`: the
 * conversation still exists (retention may have deleted it meanwhile).
 */
export async function unansweredMediaChecks(db: Db, now: number, limit = 500): Promise<{ traceId: string; conversationId: string; seq: number; live: boolean }[]> {
  const rows = await db
    .select({ traceId: mediaChecks.traceId, conversationId: mediaChecks.conversationId, seq: mediaChecks.seq, live: conversations.id })
    .from(mediaChecks)
    .leftJoin(conversations, eq(conversations.id, mediaChecks.conversationId))
    .where(and(isNull(mediaChecks.checkedAt), lt(mediaChecks.createdAt, now - MEDIA_CHECK_URL_TTL_MS)))
    .limit(limit);
  return rows.map((r) => ({ ...r, live: r.live !== null }));
}

/** Marks checks done without a verdict, so each is flagged once; a verdict that still comes is recorded as usual. */
export async function closeMediaChecks(db: Db, traceIds: string[], now: number): Promise<void> {
  if (traceIds.length > 0) await db.update(mediaChecks).set({ checkedAt: now }).where(inArray(mediaChecks.traceId, traceIds));
}

/** Flags the message's D1 copy (ConversationRoom.flagMessage, once its earlier copies are written). */
export async function flagMessageInD1(db: Db, conversationId: string, seq: number): Promise<void> {
  await db.update(messages).set({ flagged: true }).where(and(eq(messages.conversationId, conversationId), eq(messages.seq, seq)));
}

/** Whether WeChat found the file risky: it is then hidden from customers. */
export async function mediaRisky(db: Db, mediaKey: string): Promise<boolean> {
  const [row] = await db
    .select({ traceId: mediaChecks.traceId })
    .from(mediaChecks)
    .where(and(eq(mediaChecks.mediaKey, mediaKey), eq(mediaChecks.suggest, "risky")))
    .limit(1);
  return row !== undefined;
}
