// Cron: ends conversations whose room never got an alarm or missed one (a safety net for the
// per-room 24 h timer), corrects stale staff presence, flags media WeChat never gave a verdict on,
// applies retention, and takes the daily backup.
import { and, ne } from "drizzle-orm";
import { createDb } from "../domain/db/client";
import { conversations, staff } from "../domain/db/schema";
import type { Env } from "../domain/env";
import { DAILY_CRON, dailyBackup } from "../domain/backup";
import { applyRetention } from "../domain/retention";
import { trimMessageCopies } from "../domain/copy-window";
import { conversationRoom, roomHistory, staffRoom } from "./rooms-client";
import { idleBy, loadSettings } from "../domain/settings";
import { closeMediaChecks, unansweredMediaChecks } from "../domain/wechat/media-check";

export async function sweepIdleConversations(env: Env, now: number): Promise<number> {
  const db = createDb(env);
  const stale = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(ne(conversations.status, "ended"), idleBy(await loadSettings(db), now)))
    .limit(500);
  let ended = 0;
  for (const { id } of stale) if (await (await conversationRoom(env, id)).expireIfIdle()) ended++;
  return ended;
}

/**
 * Staff shown as present are asked for their presence, which corrects what is stored when the
 * sockets behind it are gone (workerd restarted, a machine lost), so assignment does not keep
 * choosing someone who is not there.
 */
export async function reconcilePresence(env: Env): Promise<number> {
  const present = await createDb(env).select({ id: staff.id }).from(staff).where(ne(staff.presence, "offline"));
  let offline = 0;
  for (const { id } of present) if ((await (await staffRoom(env, id)).reconcilePresence()) === "offline") offline++;
  return offline;
}

/** Media WeChat took but never gave a verdict on is flagged for staff review (domain/wechat/media-check.ts). */
export async function flagUnansweredMedia(env: Env, now: number): Promise<number> {
  const db = createDb(env);
  const closed: string[] = [];
  let flagged = 0;
  for (const check of await unansweredMediaChecks(db, now)) {
    try {
      if (check.live && (await (await conversationRoom(env, check.conversationId)).flagMessage(check.seq))) flagged++;
      closed.push(check.traceId);
    } catch (error) {
      // Tried again on the next tick.
      console.error(`flagging unanswered media ${check.conversationId}:${check.seq} failed`, error);
    }
  }
  await closeMediaChecks(db, closed, now);
  return flagged;
}

/** The daily cron (DAILY_CRON) backs up; every other tick sweeps idle conversations, applies retention and the D1 copy window. */
export async function runScheduled(env: Env, now: number, cron?: string): Promise<void> {
  const steps: [string, () => Promise<unknown>][] =
    cron === DAILY_CRON
      ? [["backup", () => dailyBackup(env, now)]]
      : [
          ["idle sweep", () => sweepIdleConversations(env, now)],
          ["presence", () => reconcilePresence(env)],
          ["unanswered media checks", () => flagUnansweredMedia(env, now)],
          ["retention", () => applyRetention(env, now)],
          ["copy window", () => trimMessageCopies(createDb(env), roomHistory(env), now)],
        ];
  const failed: unknown[] = [];
  // One failing step does not keep the others from running.
  for (const [name, step] of steps) {
    try {
      console.log(`cron ${name}:`, JSON.stringify(await step()));
    } catch (error) {
      console.error(`cron ${name} failed`, error);
      failed.push(error);
    }
  }
  if (failed.length > 0) throw failed[0];
}
