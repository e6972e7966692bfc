// Gathers the D1 copies of many conversations (rooms/d1-copy.ts hands each room's new messages,
// read marks and fields over) and writes them to D1 in a few large batches: at the seed's load a
// room has a message every few seconds, so a room copying its own would pay a D1 round trip per
// message. It holds what it takes in memory only (a storage write per take would cost a commit
// per message): each take answers with the last handover of that conversation D1 has, and the
// room keeps, in its own storage, how far D1 has its messages. Whatever a crash or eviction loses
// here the room hands over again. Conversations are spread over D1_COPY_SHARDS instances by id.
import { DurableObject } from "cloudflare:workers";
import { createDb } from "../domain/db/client";
import type { MessageRow } from "../domain/db/mappers";
import { type FieldsCopy, type ReadCopy, writeMessageCopies } from "../domain/db/message-copy";
import type { Env } from "../domain/env";
import { shardOf } from "../domain/shard";

/** One room's handover: `id` increases per conversation, even across the room's restarts. */
export type CopyBatch = { id: number; conversationId: string; messages: MessageRow[]; fields: FieldsCopy; reads: ReadCopy[] };

/** How long copies wait for company (D1_COPY_DELAY_MS); D1 sees a message within about this. */
const FLUSH_DELAY_MS = 1_000;
/** This many messages waiting are written without waiting for the delay. */
const FLUSH_AT = 500;
const RETRY_MS = [1_000, 2_000, 5_000, 10_000, 30_000];
/** Conversations remembered as flushed; one forgotten only makes its room hand over again. */
const REMEMBERED = 50_000;
const DEFAULT_SHARDS = 2;

export function d1CopyRoom(env: Pick<Env, "D1CopyRoom" | "D1_COPY_SHARDS">, conversationId: string): DurableObjectStub<D1CopyRoom> {
  return env.D1CopyRoom.getByName(shardOf(conversationId, Number(env.D1_COPY_SHARDS) || DEFAULT_SHARDS));
}

type Pending = { messages: Map<string, MessageRow>; fields: Map<string, FieldsCopy>; reads: Map<string, ReadCopy>; handed: Map<string, number> };

const empty = (): Pending => ({ messages: new Map(), fields: new Map(), reads: new Map(), handed: new Map() });

export class D1CopyRoom extends DurableObject<Env> {
  private readonly db = createDb(this.env);
  private readonly delayMs = Number(this.env.D1_COPY_DELAY_MS) || FLUSH_DELAY_MS;
  private pending = empty();
  /** The last handover id per conversation that D1 has. */
  private readonly flushed = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private failures = 0;

  /**
   * Takes a room's copies and answers with the last of its handovers D1 has (0: none known). With
   * `now`, writes to D1 first (a conversation's first message and its end: assignment and the
   * monitor read them there), so the answer includes this one unless D1 failed.
   */
  async take(batch: CopyBatch, now = false): Promise<number> {
    const p = this.pending;
    for (const m of batch.messages) p.messages.set(`${m.conversationId}:${m.seq}`, m);
    p.fields.set(batch.conversationId, batch.fields);
    for (const r of batch.reads) keepRead(p.reads, r);
    p.handed.set(batch.conversationId, batch.id);
    if (now) await this.flush().catch((error) => console.error("D1 copy failed; retrying", error));
    else if (p.messages.size >= FLUSH_AT) void this.flush().catch((error) => console.error("D1 copy failed; retrying", error));
    else this.schedule(this.delayMs);
    return this.flushed.get(batch.conversationId) ?? 0;
  }

  private schedule(delay: number) {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch((error) => console.error("D1 copy failed; retrying", error));
    }, delay);
  }

  /** Writes everything taken so far; one write at a time (one asked for during another runs after it). */
  private flush(): Promise<void> {
    const run = this.tail.then(() => this.write());
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async write() {
    const batch = this.pending;
    if (batch.handed.size === 0) return;
    this.pending = empty();
    try {
      await writeMessageCopies(this.db, { messages: [...batch.messages.values()], fields: [...batch.fields.values()], reads: [...batch.reads.values()] });
    } catch (error) {
      this.restore(batch);
      this.schedule(RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)]);
      throw error;
    }
    this.failures = 0;
    for (const [conversationId, id] of batch.handed) {
      this.flushed.delete(conversationId);
      this.flushed.set(conversationId, id);
    }
    if (this.flushed.size > REMEMBERED) {
      for (const key of [...this.flushed.keys()].slice(0, this.flushed.size - REMEMBERED)) this.flushed.delete(key);
    }
  }

  /** Puts a failed write's copies back under what was taken since (newer fields win). */
  private restore(batch: Pending) {
    const p = this.pending;
    for (const [key, m] of batch.messages) if (!p.messages.has(key)) p.messages.set(key, m);
    for (const [id, f] of batch.fields) if (!p.fields.has(id)) p.fields.set(id, f);
    for (const r of batch.reads.values()) keepRead(p.reads, r);
    for (const [id, handed] of batch.handed) if (!p.handed.has(id)) p.handed.set(id, handed);
  }
}

function keepRead(reads: Map<string, ReadCopy>, r: ReadCopy) {
  const key = `${r.conversationId}:${r.senderType}`;
  const known = reads.get(key);
  if (!known || known.seq < r.seq) reads.set(key, r);
}
