// Cron: ends conversations whose room never got an alarm or missed one (a safety net for the
// per-room 24 h timer), applies retention, and takes the daily backup.
import { and, ne, sql } from "drizzle-orm";
import { createDb } from "./db/client";
import { conversations } from "./db/schema";
import type { Env } from "./env";
import { dailyBackup } from "./backup";
import { applyRetention } from "./retention";
import { conversationRoom } from "./rooms-client";
import { loadSettings } from "./settings";

export async function sweepIdleConversations(env: Env, now: number): Promise<number> {
  const db = createDb(env);
  const { sessionTimeoutSeconds } = await loadSettings(db);
  const cutoff = now - sessionTimeoutSeconds * 1000;
  const stale = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(and(ne(conversations.status, "ended"), sql`coalesce(${conversations.lastMessageAt}, ${conversations.createdAt}) <= ${cutoff}`))
    .limit(500);
  let ended = 0;
  for (const { id } of stale) if (await (await conversationRoom(env, id)).expireIfIdle()) ended++;
  return ended;
}

/** The daily cron of wrangler.toml (19:00 UTC, 03:00 Beijing): backup. Every other tick: sweep and retention. */
export const DAILY_CRON = "0 19 * * *";

export async function runScheduled(env: Env, now: number, cron?: string): Promise<void> {
  if (cron === DAILY_CRON) {
    const backup = await dailyBackup(env, now);
    console.log(`backup ${backup.key}: ${backup.size} bytes`);
    return;
  }
  await sweepIdleConversations(env, now);
  await applyRetention(env, now);
}
