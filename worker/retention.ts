// Retention (history kept `settings.retentionDays`, 6 months by default): ended conversations
// whose last activity is older than that go, with their media and every row that names them
// (messages, transfers and whatever later tables carry a conversation_id).
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import { createDb, type Db } from "./db/client";
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

/** Tables other than conversations that have a conversation_id column. */
export async function tablesOfConversations(db: Db): Promise<string[]> {
  const rows = await db.all<{ name: string }>(
    sql`select m.name as name from sqlite_master m join pragma_table_info(m.name) p where m.type = 'table' and p.name = 'conversation_id' and m.name != 'conversations' order by m.name`,
  );
  return rows.map((r) => r.name);
}

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
  let dependents: string[] | null = null;
  for (let i = 0; i < MAX_BATCHES; i++) {
    const ids = await expiredBatch(db, cutoff);
    if (ids.length === 0) break;
    // Media first: if the run dies halfway the rows are still there and the next run retries.
    for (const id of ids) result.mediaObjects += await deletePrefix(env.MEDIA, `media/${id}/`);
    dependents ??= await tablesOfConversations(db);
    const idList = sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    );
    await db.batch([
      db.delete(conversations).where(inArray(conversations.id, ids)),
      ...dependents.map((table) => db.run(sql`delete from ${sql.identifier(table)} where conversation_id in (${idList})`)),
    ]);
    result.conversations += ids.length;
    if (ids.length < BATCH) break;
  }
  return result;
}
