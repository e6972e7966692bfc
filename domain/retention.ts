// Retention (history kept `settings.retentionDays`, 6 months by default): ended conversations
// whose last activity is older than that go, with their media and every row that names them
// (messages, transfers and every other table of the schema with a conversation_id), and the
// history its room keeps.
import { and, eq, inArray, is, isNull, lt, or, sql } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { createDb, type Db } from "./db/client";
import * as schema from "./db/schema";
import { conversations } from "./db/schema";
import type { Env } from "./env";
import { loadSettings } from "./settings";

const DAY_MS = 24 * 3600 * 1000;
const BATCH = 100;
/** Bounds one cron run; the next run goes on where this one stopped. */
const MAX_BATCHES = 20;

export type RetentionResult = { conversations: number; mediaObjects: number };

async function expiredBatch(db: Db, cutoff: number): Promise<string[]> {
  const rows = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.status, "ended"),
        or(lt(conversations.lastMessageAt, cutoff), and(isNull(conversations.lastMessageAt), lt(conversations.createdAt, cutoff))),
        sql`coalesce(${conversations.endedAt}, 0) < ${cutoff}`,
      ),
    )
    .limit(BATCH);
  return rows.map((r) => r.id);
}

/** The conversation_id column of every other table of the schema: those rows go with their conversation. */
const dependentColumns = (Object.values(schema) as unknown[])
  .filter((t): t is SQLiteTable => is(t, SQLiteTable) && t !== conversations)
  .flatMap((t) => getTableConfig(t).columns.filter((c) => c.name === "conversation_id").map((column) => ({ table: t, column })));

/** Deletes every object under `prefix`; returns how many. */
export async function deletePrefix(bucket: R2Bucket, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix, cursor, limit: 1000 });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    deleted += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

export async function applyRetention(env: Env, now: number): Promise<RetentionResult> {
  const db = createDb(env);
  const { retentionDays } = await loadSettings(db);
  const cutoff = now - retentionDays * DAY_MS;
  const result: RetentionResult = { conversations: 0, mediaObjects: 0 };
  for (let i = 0; i < MAX_BATCHES; i++) {
    const ids = await expiredBatch(db, cutoff);
    if (ids.length === 0) break;
    // Media and each room's own history first: if the run dies halfway the rows are still there and the next run retries.
    for (const id of ids) {
      result.mediaObjects += await deletePrefix(env.MEDIA, `media/${id}/`);
      await env.ConversationRoom.getByName(id).forget();
    }
    await db.batch([
      db.delete(conversations).where(inArray(conversations.id, ids)),
      ...dependentColumns.map(({ table, column }) => db.delete(table).where(inArray(column, ids))),
    ]);
    result.conversations += ids.length;
    if (ids.length < BATCH) break;
  }
  return result;
}
