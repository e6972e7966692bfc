// Content check of customer text (F003 step 1) with WeChat's msg_sec_check, and the verdict for
// customer media WeChat cannot check. A message is never lost to the check: when WeChat cannot
// answer in time it is accepted and flagged.
// The appid may call it 4,000 times a minute and 2,000,000 times a day (README, "Capacity"):
// once WeChat refuses for quota, text is flagged without asking until the quota is back; while
// WeChat does not answer, checks pause after a few failures in a row (check-breaker.ts).
import type { Env } from "../env";
import type { MessageContent } from "../../protocol";
import { withWechatToken } from "./access-token";
import { hasWechatOpenid } from "./customer";
import { mediaCheckBase, wechatClient } from "./env";
import { CheckBreaker, DEFAULT_PAUSE_MS, FAILURES_TO_PAUSE } from "./check-breaker";
import { WECHAT_ERRCODES, WechatError } from "./client";
import { quotaBackAt } from "./quota";

/** refuse: risky, not stored; flag: stored for staff to review; accept: stored as is. */
export type Screening = "accept" | "flag" | "refuse";

/** The check holds up the sender's ack, so WeChat gets this long at most. */
export const CONTENT_CHECK_TIMEOUT_MS = 1500;
/** msg_sec_check scene 2: comments, the closest to chat messages. */
const SCENE_COMMENT = 2;

/** Until when WeChat refused checks for quota, as this isolate learnt from a refusal. */
let quotaSpentUntil = 0;
/** Whether WeChat has been answering this isolate's checks (check-breaker.ts). */
const breaker = new CheckBreaker();

export async function screenCustomerMessage(
  env: Env,
  openid: string | null | undefined,
  content: MessageContent,
): Promise<Screening> {
  // Emoji hold pictographs only (protocol); images and voice are checked after they are stored (media-check.ts).
  if (content.kind === "emoji") return "accept";
  // H5 guests and official-account (H5) customers have no mini program openid, so WeChat checks
  // neither their text nor, where media checks are on, their media.
  if (!hasWechatOpenid(openid)) return content.kind === "text" || mediaCheckBase(env) !== null ? "flag" : "accept";
  if (content.kind !== "text") return "accept";
  const now = Date.now();
  if (now < quotaSpentUntil || !breaker.allows(now, CONTENT_CHECK_TIMEOUT_MS)) return "flag";
  const pauseMs = Number(env.CONTENT_CHECK_PAUSE_MS) || DEFAULT_PAUSE_MS;
  let late = false;
  const unavailable = (why: string): Screening => {
    if (breaker.failed(Date.now(), pauseMs)) console.warn(`content check unavailable ${FAILURES_TO_PAUSE} times in a row: text is flagged without asking for ${pauseMs} ms`);
    // One line, no stack: when WeChat is slow this runs for every message.
    console.warn(`content check unavailable, message flagged: ${why}`);
    return "flag";
  };
  const client = wechatClient(env, CONTENT_CHECK_TIMEOUT_MS);
  const check = withWechatToken(env, (token) =>
    client.msgSecCheck(token, { content: content.text, version: 2, scene: SCENE_COMMENT, openid }),
  ).then(
    ({ suggest }): Screening => {
      if (!late) breaker.answered();
      return suggest === "risky" ? "refuse" : suggest === "review" ? "flag" : "accept";
    },
    (error): Screening => {
      if (late) return "flag";
      if (!(error instanceof WechatError) || error.errcode === WECHAT_ERRCODES.SYSTEM_BUSY) return unavailable(String(error));
      breaker.answered();
      const backAt = quotaBackAt(error.errcode, Date.now());
      if (backAt !== null) {
        quotaSpentUntil = Math.max(quotaSpentUntil, backAt);
        console.warn(`content check quota spent (${error.errcode}): text is flagged for staff review until ${new Date(backAt).toISOString()}`);
        return "flag";
      }
      console.warn(`content check refused, message flagged: ${String(error)}`);
      return "flag";
    },
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<Screening>((resolve) => {
    timer = setTimeout(() => {
      late = true;
      resolve(unavailable(`no answer within ${CONTENT_CHECK_TIMEOUT_MS} ms`));
    }, CONTENT_CHECK_TIMEOUT_MS);
  });
  return Promise.race([check, deadline]).finally(() => clearTimeout(timer));
}
