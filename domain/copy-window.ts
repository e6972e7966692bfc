// The D1 copy window: D1 keeps the copies of a conversation's messages (content search) until the
// conversation has been over for `settings.messageCopyDays`; its room keeps the whole history for
// `retentionDays` (transcripts, exports and the parties' pages read it there). Before the copies
// go, what statistics need of them is folded into message_rollups in the same transaction, so no
// statistic changes. A conversation's copies go only once its room is seen to hold every message
// D1 has. Bounded per run: a batch deletes at most BATCH_MESSAGES rows, a run at most
// MAX_BATCHES batches or RUN_BUDGET_MS; the next run goes on where this one stopped.
import { inArray, sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { messageRollups, messages } from "./db/schema";
import { rollupSelect } from "./message-turns";
import { loadSettings } from "./settings";
import type { HistoryReader } from "./room-history";

const DAY_MS = 24 * 3600 * 1000;
const BATCH_CONVERSATIONS = 50;
const BATCH_MESSAGES = 2_000;
const MAX_BATCHES = 100;
/** A run stops starting batches after this long (a cron run stays short; the next goes on). */
const RUN_BUDGET_MS = 60_000;

export type TrimResult = { conversations: number; messages: number; notInRoom: number };

/** Whether the conversation's room holds every message D1 has (waking it makes a room that never had its own log adopt D1's). */
async function roomHasAll(history: HistoryReader, c: { id: string; lastSeq: number }): Promise<boolean> {
  const newest = (await history(c.id, { limit: 1 })).messages.at(-1);
  return (newest?.seq ?? 0) >= c.lastSeq;
}

/** Conversations over before `cutoff` that still have copies, oldest copies first, up to about BATCH_MESSAGES messages. */
async function trimBatch(db: Db, cutoff: number, skip: Set<string>): Promise<{ id: string; lastSeq: number }[]> {
  const rows = await db.all<{ id: string; lastSeq: number }>(sql`
    SELECT DISTINCT c.id AS id, c.last_seq AS lastSeq
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.sent_at < ${cutoff} AND c.status = 'ended' AND coalesce(c.last_message_at, 0) < ${cutoff} AND coalesce(c.ended_at, 0) < ${cutoff}
    LIMIT ${BATCH_CONVERSATIONS + skip.size}`);
  const batch: { id: string; lastSeq: number }[] = [];
  let size = 0;
  for (const row of rows) {
    if (skip.has(row.id)) continue;
    if (batch.length > 0 && size + row.lastSeq > BATCH_MESSAGES) break;
    batch.push(row);
    size += row.lastSeq;
  }
  return batch;
}

export async function trimMessageCopies(db: Db, history: HistoryReader, now: number): Promise<TrimResult> {
  const { messageCopyDays } = await loadSettings(db, now);
  const cutoff = now - messageCopyDays * DAY_MS;
  const result: TrimResult = { conversations: 0, messages: 0, notInRoom: 0 };
  const skip = new Set<string>();
  const started = Date.now();
  for (let i = 0; i < MAX_BATCHES && Date.now() - started < RUN_BUDGET_MS; i++) {
    const candidates = await trimBatch(db, cutoff, skip);
    if (candidates.length === 0) break;
    const kept = await Promise.all(candidates.map((c) => roomHasAll(history, c)));
    const batch = candidates.filter((c, j) => kept[j] || !skip.add(c.id));
    result.notInRoom += candidates.length - batch.length;
    if (batch.length === 0) continue;
    const ids = sql.join(batch.map((b) => sql`${b.id}`), sql`, `);
    const scope = sql`m.conversation_id IN (${ids})`;
    // One transaction: the rollup and the deletion go together or not at all. A rollup already
    // there (copies a late room copy wrote again) is kept, so nothing counts twice.
    const [, deleted] = await db.batch([
      db.insert(messageRollups).select(rollupSelect(scope)).onConflictDoNothing(),
      db.delete(messages).where(inArray(messages.conversationId, batch.map((b) => b.id))),
    ]);
    result.conversations += batch.length;
    result.messages += changes(deleted);
  }
  return result;
}

function changes(r: unknown): number {
  const meta = (r as { meta?: { changes?: number }; rowsAffected?: number }) ?? {};
  return meta.meta?.changes ?? meta.rowsAffected ?? 0;
}
