// A room's messages, read marks and message-derived conversation fields on their way to D1 (admin
// search, exports, stats and backups read D1): handed over to a D1CopyRoom (rooms/d1-copy-room.ts),
// which writes many conversations' copies in one D1 batch and answers each handover with the last
// one D1 has. The room's own storage records how far D1 has its messages (`copiedSeq`) and the
// read marks D1 may lack; both are written inside the room's next transaction (a message or a
// read: no commit of their own), so a room that restarts hands over again from there. Every D1
// write is idempotent by (conversation, seq).
import { asc, eq } from "drizzle-orm";
import type { Db } from "../domain/db/client";
import type { ConversationRow, MessageRow } from "../domain/db/mappers";
import { messageFieldsOf, type ReadCopy } from "../domain/db/message-copy";
import { messages } from "../domain/db/schema";
import type { CopyBatch, D1CopyRoom } from "./d1-copy-room";
import { increasingIds } from "./increasing-ids";
import type { MessageLog } from "./message-log";

type Party = "customer" | "staff";
type Reads = Partial<Record<Party, { seq: number; at: number }>>;

const BATCH = 200;
const RECENT_MAX = 1_000;
/**
 * In a burst, a message's commit records `copiedSeq` only once D1 is this far ahead of the stored
 * value or the last record is RECORD_AFTER_MS old (each record is one more page in the commit);
 * the alarm records the rest. A room that restarts (or wakes from hibernation) hands over again
 * from the stored value, so at most that many messages more (D1 writes are idempotent).
 */
const RECORD_EVERY = 32;
const RECORD_AFTER_MS = 30_000;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** How long after a handover the room asks again whether D1 has it (the copier writes about every second). */
const CONFIRM_MS = 5_000;
const COPIED_KEY = "d1.copiedSeq";
const READS_KEY = "d1.reads";

type Handover = { id: number; seq: number; reads: string | undefined };

export class D1Copy {
  /** The last handover asked for; each runs after the one before. */
  private tail: Promise<void> = Promise.resolve();
  /** A handover asked for but not started yet: later asks join it instead of queueing more. */
  private queued: { now: boolean; promise: Promise<void> } | undefined;
  private failures = 0;
  private retryAt = 0;
  /** Handed over since waking (memory only: after a restart the room hands over from `copiedSeq`). */
  private handedSeq: number;
  /**
   * Messages stored since the last handover, in seq order, so a handover reads no storage (a read
   * outside the store's turn costs a transaction of its own). Used only while it starts right
   * after `handedSeq`; otherwise (after a restart, a settle, or past `RECENT_MAX`) the log is read.
   */
  private recent: MessageRow[] = [];
  private handedReads: string | undefined;
  private lastHandAt = 0;
  /** Handovers the copier has not confirmed yet, oldest first. */
  private unconfirmed: Handover[] = [];
  /** What D1 is known to have; written to storage by `persist`. */
  private confirmedSeq: number;
  private confirmedReads: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly copier: () => DurableObjectStub<D1CopyRoom>,
    private readonly kv: SyncKvStorage,
    private readonly log: MessageLog,
    private readonly conversationId: string,
    private readonly row: () => ConversationRow,
  ) {
    this.storedSeq = this.kv.get<number>(COPIED_KEY) ?? 0;
    this.handedSeq = this.confirmedSeq = this.storedSeq;
  }

  /** `copiedSeq` as stored, and when this room last wrote it. */
  private storedSeq: number;
  private storedAt = 0;

  /** The pending read marks as stored (kept here too: asked for on every message). */
  private reads: string | undefined = undefined;
  private readsLoaded = false;

  private readsKey(): string | undefined {
    if (!this.readsLoaded) {
      const reads = this.kv.get<Reads>(READS_KEY);
      this.reads = reads && JSON.stringify(reads);
      this.readsLoaded = true;
    }
    return this.reads;
  }

  /** Something stored here has not been handed over yet. */
  private toHand(): boolean {
    return this.row().lastSeq > this.handedSeq || this.readsKey() !== this.handedReads;
  }

  /** Whether handovers wait for the copier's word that D1 has them. */
  waiting(): boolean {
    return this.unconfirmed.length > 0;
  }

  /** When the next handover (or confirmation check) is due, or null when D1 has everything. */
  due(now = Date.now()): number | null {
    if (this.failures > 0) return this.retryAt;
    if (this.toHand()) return now;
    if (this.waiting()) return this.lastHandAt + CONFIRM_MS;
    if (this.confirmedSeq > this.storedSeq || (this.readsKey() !== undefined && this.readsKey() === this.confirmedReads)) return now + CONFIRM_MS;
    return null;
  }

  /** A message just stored in the log (same turn), to hand over from memory. */
  stored(message: MessageRow) {
    const last = this.recent[this.recent.length - 1];
    if (last && last.seq !== message.seq - 1) this.recent = [];
    if (this.recent.length >= RECENT_MAX) this.recent.shift();
    this.recent.push(message);
  }

  /** A stored message changed (flagged): the next handover reads it from the log. */
  rewritten() {
    this.recent = [];
  }

  private rowsAfterHanded(): MessageRow[] {
    if (this.recent.length > 0 && this.recent[0].seq === this.handedSeq + 1) return this.recent.slice(0, BATCH);
    if (this.row().lastSeq <= this.handedSeq) return [];
    return this.log.after(this.handedSeq, BATCH);
  }

  /** Records read marks that moved (in the caller's transaction); returns when the handover is due. */
  changed(read?: { reader: Party; seq: number; at: number }): number {
    if (read) {
      const reads = { ...this.kv.get<Reads>(READS_KEY), [read.reader]: { seq: read.seq, at: read.at } } satisfies Reads;
      this.kv.put(READS_KEY, reads);
      this.reads = JSON.stringify(reads);
      this.readsLoaded = true;
    }
    return this.due() ?? Date.now();
  }

  /**
   * Writes what the copier confirmed D1 has; call it inside a transaction the room commits anyway.
   * Without `all`, `copiedSeq` may wait (RECORD_EVERY).
   */
  persist(all = false, now = Date.now()) {
    const due = all || this.confirmedSeq - this.storedSeq >= RECORD_EVERY || now - this.storedAt >= RECORD_AFTER_MS;
    if (this.confirmedSeq > this.storedSeq && due) {
      this.kv.put(COPIED_KEY, this.confirmedSeq);
      this.storedSeq = this.confirmedSeq;
      this.storedAt = now;
    }
    if (this.confirmedReads !== undefined && this.readsKey() === this.confirmedReads) {
      this.kv.delete(READS_KEY);
      this.reads = undefined;
      if (this.handedReads === this.confirmedReads) this.handedReads = undefined;
      this.confirmedReads = undefined;
    }
  }

  /**
   * Hands everything new over (and asks what D1 has); with `now`, the copier writes it to D1
   * before this resolves. One handover runs at a time. Rejects when the copier refused.
   */
  flush(now = false): Promise<void> {
    if (this.queued) {
      // Not started yet, so it can still take the `now` of this ask.
      this.queued.now ||= now;
      return this.queued.promise;
    }
    const entry = { now, promise: Promise.resolve() };
    entry.promise = this.tail
      .catch(() => undefined)
      .then(() => {
        if (this.queued === entry) this.queued = undefined;
        return this.handOver(entry.now);
      });
    this.queued = entry;
    this.tail = entry.promise;
    return entry.promise;
  }

  private async handOver(now: boolean) {
    try {
      for (;;) {
        const rows = this.rowsAfterHanded();
        const readsKey = this.readsKey();
        if (rows.length === 0 && readsKey === this.handedReads && !this.waiting() && !now) return;
        const row = this.row();
        const reads: Reads = readsKey ? JSON.parse(readsKey) : {};
        const batch: CopyBatch = {
          id: this.nextId(),
          conversationId: this.conversationId,
          messages: rows,
          fields: { conversationId: this.conversationId, active: row.status === "active", fields: messageFieldsOf(row) },
          reads: Object.entries(reads).map(([reader, r]): ReadCopy => ({
            conversationId: this.conversationId,
            senderType: reader === "staff" ? "customer" : "staff",
            seq: r.seq,
            at: r.at,
          })),
        };
        const last = rows.length < BATCH;
        const flushedId = await this.copier().take(batch, now && last);
        if (rows.length > 0) this.handedSeq = rows[rows.length - 1].seq;
        while (this.recent.length > 0 && this.recent[0].seq <= this.handedSeq) this.recent.shift();
        this.handedReads = readsKey;
        this.lastHandAt = Date.now();
        this.unconfirmed.push({ id: batch.id, seq: this.handedSeq, reads: readsKey });
        this.confirm(flushedId);
        if (last) break;
      }
      this.failures = 0;
    } catch (error) {
      this.retryAt = Date.now() + RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)];
      this.failures++;
      throw error;
    }
  }

  /**
   * Asks the copier what D1 has; handovers it does not know (it restarted or was evicted before
   * writing them, or wrote them and forgot) are handed over again from what D1 is known to have.
   */
  async settle(): Promise<void> {
    await this.flush();
    if (!this.waiting()) return;
    this.handedSeq = this.confirmedSeq;
    this.handedReads = undefined;
    this.unconfirmed = [];
    await this.flush(true);
  }

  private confirm(flushedId: number) {
    while (this.unconfirmed.length > 0 && this.unconfirmed[0].id <= flushedId) {
      const done = this.unconfirmed.shift()!;
      this.confirmedSeq = Math.max(this.confirmedSeq, done.seq);
      this.confirmedReads = done.reads;
    }
  }

  /** Increasing across the room's restarts too (the copier may remember ids of an earlier run). */
  private readonly nextId = increasingIds();

  /**
   * A room without a log of its own whose conversation already has messages (stored in D1 by an
   * earlier version, or restored from a backup) takes them from D1 once.
   */
  async adoptHistory(lastSeq: number) {
    if (lastSeq === 0 || this.kv.get(COPIED_KEY) !== undefined || this.log.lastSeq() > 0) return;
    const rows = await this.db.select().from(messages).where(eq(messages.conversationId, this.conversationId)).orderBy(asc(messages.seq));
    for (const row of rows) this.log.append(row);
    this.storedSeq = rows.length > 0 ? rows[rows.length - 1].seq : 0;
    this.kv.put(COPIED_KEY, this.storedSeq);
    this.handedSeq = this.confirmedSeq = this.storedSeq;
  }
}
