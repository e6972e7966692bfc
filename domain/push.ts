// Staff replies reach a customer who is not in the chat as a WeChat subscribe message
// (US006, rule 6.2): at most `pushPerHour` per customer, one credit per send, every
// attempt recorded, no automatic repeat; a failed push can be retried by hand once.
import { and, count, eq, gt, inArray } from "drizzle-orm";
import type { Db } from "./db/client";
import type { MessageRow } from "./db/mappers";
import { pushes, staff } from "./db/schema";
import type { Env } from "./env";
import { ApiError, conflict } from "./errors";
import { previewOf, PUSH_PAGE } from "../protocol";
import { loadSettings } from "./settings";
import { withWechatToken } from "./wechat/access-token";
import { WECHAT_ERRCODES, WechatError, WechatUnreachableError } from "./wechat/client";
import { hasWechatOpenid } from "./wechat/customer";
import { customerOpenid } from "./customers";
import { keywordText, keywordTime } from "./wechat/keywords";
import { miniprogramState, wechatClient } from "./wechat/env";
import { type ReplyTemplate, replyTemplate } from "./wechat/push-template";
import { clearCredits, returnCredit, takeCredit } from "./wechat/subscriptions";

export type PushRow = typeof pushes.$inferSelect;

export const PUSH_WINDOW_MS = 3600_000;
/** WeChat's limit of a `thing` field. */
export const THING_MAX_CHARS = 20;

/** Text for a `thing` field: whitespace collapsed, at most 20 characters (the last one an ellipsis when cut). */
export function thingValue(text: string): string {
  const chars = [...text.replace(/\s+/g, " ").trim()];
  return chars.length <= THING_MAX_CHARS ? chars.join("") : chars.slice(0, THING_MAX_CHARS - 1).join("") + "…";
}

/** `2024年5月1日 14:05` in the site's time zone. */
export function pushTime(at: number, utcOffsetMinutes: number): string {
  return keywordTime("time1", at, utcOffsetMinutes);
}

/** What one push is about: a staff message of a conversation. */
interface Reply {
  conversationId: string;
  customerId: string;
  staffId: string;
  messageSeq: number;
  summary: string;
  at: number;
}

/** Called after a staff message is committed while the customer has no socket in the conversation. */
export async function pushStaffReply(env: Env, db: Db, message: MessageRow, customerId: string): Promise<PushRow | null> {
  const openid = await customerOpenid(db, customerId);
  if (!hasWechatOpenid(openid)) return null; // H5 guests cannot get subscribe messages
  const reply: Reply = {
    conversationId: message.conversationId,
    customerId,
    staffId: message.senderId,
    messageSeq: message.seq,
    summary: thingValue(previewOf(message)),
    at: message.sentAt,
  };
  const template = await replyTemplate(env, db);
  const refusal = await claimSend(db, customerId, template.templateId);
  if (refusal) {
    const [row] = await db
      .insert(pushes)
      .values({ ...reply, id: newPushId(), templateId: template.templateId, status: refusal, createdAt: Date.now() })
      .returning();
    return row;
  }
  return deliver(env, db, reply, openid, template, null);
}

/** Retries a failed push once, by hand; the retry is a push record of its own. */
export async function retryPush(env: Env, db: Db, original: PushRow): Promise<PushRow> {
  if (original.status !== "failed" || original.retryOf !== null) throw conflict("只有失败的推送可以重发");
  if (await retryOfPush(db, original.id)) throw conflict("该推送已重发过一次");
  const openid = await customerOpenid(db, original.customerId);
  if (!hasWechatOpenid(openid)) throw conflict("该客户无法接收微信消息");
  const template = await replyTemplate(env, db);
  const refusal = await claimSend(db, original.customerId, template.templateId);
  if (refusal === "rate_limited") throw new ApiError("rate_limited", "该客户本小时的推送次数已用完，请稍后再试");
  if (refusal === "no_credit") throw conflict("客户暂无可用的订阅次数，无法重发");
  const reply: Reply = { ...original, at: original.createdAt };
  try {
    return await deliver(env, db, reply, openid, template, original.id);
  } catch (error) {
    // Two retries at once: the unique index on retry_of lets only one through.
    if (isUniqueViolation(error)) throw conflict("该推送已重发过一次");
    throw error;
  }
}

async function retryOfPush(db: Db, pushId: string): Promise<PushRow | undefined> {
  const [row] = await db.select().from(pushes).where(eq(pushes.retryOf, pushId)).limit(1);
  return row;
}

/** Checks the hourly limit, then takes a credit; returns why not to send, or null (a credit was taken). */
async function claimSend(db: Db, customerId: string, templateId: string): Promise<"rate_limited" | "no_credit" | null> {
  const { pushPerHour } = await loadSettings(db);
  const [{ n }] = await db
    .select({ n: count() })
    .from(pushes)
    .where(
      and(
        eq(pushes.customerId, customerId),
        inArray(pushes.status, ["sent", "pending"]),
        gt(pushes.createdAt, Date.now() - PUSH_WINDOW_MS),
      ),
    );
  if (n >= pushPerHour) return "rate_limited";
  return (await takeCredit(db, customerId, templateId)) ? null : "no_credit";
}

/** Records the attempt, calls subscribe/send once and records the outcome. A credit was taken. */
async function deliver(
  env: Env,
  db: Db,
  reply: Reply,
  openid: string,
  template: ReplyTemplate,
  retryOf: string | null,
): Promise<PushRow> {
  const id = newPushId();
  const page = `${PUSH_PAGE}?conversationId=${encodeURIComponent(reply.conversationId)}&pushId=${id}`;
  const base = {
    conversationId: reply.conversationId,
    customerId: reply.customerId,
    staffId: reply.staffId,
    messageSeq: reply.messageSeq,
    summary: reply.summary,
  };
  try {
    await db.insert(pushes).values({ ...base, id, templateId: template.templateId, status: "pending", page, retryOf, createdAt: Date.now() });
  } catch (error) {
    await returnCredit(db, reply.customerId, template.templateId);
    throw error;
  }
  const { workingHours } = await loadSettings(db);
  const [sender] = await db.select({ name: staff.name }).from(staff).where(eq(staff.id, reply.staffId)).limit(1);
  const f = template.fields;
  const data = {
    [f.sender]: { value: keywordText(f.sender, sender?.name ?? "客服") },
    [f.summary]: { value: keywordText(f.summary, reply.summary) },
    [f.time]: { value: keywordTime(f.time, reply.at, workingHours.utcOffsetMinutes) },
  };
  let called = false;
  try {
    await withWechatToken(env, (token) => {
      called = true;
      return wechatClient(env).sendSubscribe(token, {
        touser: openid,
        template_id: template.templateId,
        page,
        data,
        miniprogram_state: miniprogramState(env),
      });
    });
    return finish(db, id, { status: "sent", sentAt: Date.now() });
  } catch (error) {
    console.warn(`push ${id} failed`, error);
    const errcode = error instanceof WechatError ? error.errcode : null;
    if (errcode === WECHAT_ERRCODES.NO_SUBSCRIBE_GRANT) await clearCredits(db, reply.customerId, template.templateId);
    else if (!called || creditUnused(error)) await returnCredit(db, reply.customerId, template.templateId);
    return finish(db, id, { status: "failed", errcode });
  }
}

/** WeChat refused the call, or it never reached WeChat: the customer's grant was not spent. */
function creditUnused(error: unknown): boolean {
  return error instanceof WechatError || (error instanceof WechatUnreachableError && error.reason === "network");
}

async function finish(db: Db, id: string, set: Partial<Pick<PushRow, "status" | "sentAt" | "errcode">>): Promise<PushRow> {
  const [row] = await db.update(pushes).set(set).where(eq(pushes.id, id)).returning();
  return row;
}

const newPushId = () => `p_${crypto.randomUUID().replace(/-/g, "")}`;

function isUniqueViolation(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (/UNIQUE constraint failed/i.test(e.message)) return true;
  }
  return false;
}
