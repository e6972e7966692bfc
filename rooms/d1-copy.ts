// The room's messages, read marks and message-derived conversation fields, copied to D1 in
// batches (admin search, exports, stats and backups read D1). The room's own storage records how
// far D1 has them (`copiedSeq`, pending read marks), in the same transaction as the messages, so a
// copy cut short by a crash resumes from there; every write is idempotent by (conversation, seq).
import { and, asc, eq, isNull, lte, sql } from "drizzle-orm";
import type { Db } from "../domain/db/client";
import type { ConversationRow, MessageRow } from "../domain/db/mappers";
import { conversations, messages } from "../domain/db/schema";
import { messageFields } from "./conversation-row";
import type { MessageLog } from "./message-log";

type Party = "customer" | "staff";
type Reads = Partial<Record<Party, { seq: number; at: number }>>;

/** How long after a change D1 gets it at the latest, unless a batch fills first (D1_COPY_DELAY_MS). */
const COPY_DELAY_MS = 500;
const BATCH = 64;
/** D1 binds at most 100 parameters per statement; a message row has 12. */
const ROWS_PER_INSERT = 8;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
const COPIED_KEY = "d1.copiedSeq";
const READS_KEY = "d1.reads";

export class D1Copy {
  private running: Promise<void> | undefined;
  private failures = 0;
  private retryAt = 0;
  /** When the oldest change not yet in D1 is due there (0: none known since waking). */
  private dueAt = 0;

  constructor(
    private readonly db: Db,
    private readonly kv: SyncKvStorage,
    private readonly log: MessageLog,
    private readonly conversationId: string,
    private readonly row: () => ConversationRow,
    private readonly delayMs = COPY_DELAY_MS,
  ) {}

  copiedSeq(): number {
    return this.kv.get<number>(COPIED_KEY) ?? 0;
  }

  private pending(): boolean {
    return this.log.lastSeq() > this.copiedSeq() || this.kv.get<Reads>(READS_KEY) !== undefined;
  }

  /** When the next copy should run (for the room's alarm), or null when D1 has everything. */
  due(now = Date.now()): number | null {
    if (!this.pending()) return null;
    if (this.failures > 0) return this.retryAt;
    return this.dueAt || now;
  }

  /**
   * Records that a message was stored or read marks moved (in the caller's transaction), and
   * returns when the copy is due.
   */
  changed(read?: { reader: Party; seq: number; at: number }): number {
    if (read) this.kv.put(READS_KEY, { ...this.kv.get<Reads>(READS_KEY), [read.reader]: { seq: read.seq, at: read.at } } satisfies Reads);
    const now = Date.now();
    if (!this.dueAt) this.dueAt = now + this.delayMs;
    return this.due(now) ?? now + this.delayMs;
  }

  /** A full batch waits for nothing (unless D1 just failed: then the retry time holds). */
  batchFull(): boolean {
    return this.failures === 0 && !this.running && this.log.lastSeq() - this.copiedSeq() >= BATCH;
  }

  /** Copies everything pending; one copy runs at a time. Rejects when D1 refuses (retried later). */
  flush(): Promise<void> {
    this.running ??= this.copyAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async copyAll() {
    try {
      for (;;) {
        const rows = this.log.after(this.copiedSeq(), BATCH);
        const reads = this.kv.get<Reads>(READS_KEY);
        if (rows.length === 0 && !reads) break;
        await writeCopy(this.db, this.conversationId, rows, reads ?? {}, this.row());
        if (rows.length > 0) this.kv.put(COPIED_KEY, Math.max(this.copiedSeq(), rows[rows.length - 1].seq));
        if (reads && JSON.stringify(this.kv.get<Reads>(READS_KEY)) === JSON.stringify(reads)) this.kv.delete(READS_KEY);
      }
      this.failures = 0;
      this.dueAt = 0;
    } catch (error) {
      this.retryAt = Date.now() + RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
      this.failures++;
      throw error;
    }
  }

  /**
   * A room without a log of its own whose conversation already has messages (stored in D1 by an
   * earlier version, or restored from a backup) takes them from D1 once.
   */
  async adoptHistory(lastSeq: number) {
    if (lastSeq === 0 || this.kv.get(COPIED_KEY) !== undefined || this.log.lastSeq() > 0) return;
    const rows = await this.db.select().from(messages).where(eq(messages.conversationId, this.conversationId)).orderBy(asc(messages.seq));
    for (const row of rows) this.log.append(row);
    this.kv.put(COPIED_KEY, rows.length > 0 ? rows[rows.length - 1].seq : 0);
  }
}

/** One D1 batch (one transaction): new messages, read marks, the conversation's message fields. */
async function writeCopy(db: Db, conversationId: string, rows: MessageRow[], reads: Reads, row: ConversationRow) {
  const inserts = [];
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    inserts.push(db.insert(messages).values(rows.slice(i, i + ROWS_PER_INSERT)).onConflictDoNothing());
  }
  const readMarks = (Object.entries(reads) as [Party, { seq: number; at: number }][]).map(([reader, { seq, at }]) =>
    db
      .update(messages)
      .set({ readAt: at })
      .where(
        and(
          eq(messages.conversationId, conversationId),
          eq(messages.senderType, reader === "staff" ? "customer" : "staff"),
          lte(messages.seq, seq),
          isNull(messages.readAt),
        ),
      ),
  );
  const fields = db
    .update(conversations)
    .set({
      ...messageFields(row),
      // Only the room moves a conversation from pending to active; D1 alone records its end.
      status: row.status === "active" ? sql`case when ${conversations.status} = 'pending' then 'active' else ${conversations.status} end` : conversations.status,
    })
    .where(eq(conversations.id, conversationId));
  await db.batch([fields, ...inserts, ...readMarks]);
}
