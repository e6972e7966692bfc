// A conversation's messages in its room's own SQLite storage: the record every ack is given from.
// Writes are synchronous and land in the room's implicit transaction, so the output gate holds
// the ack until they are durable; D1 gets a copy later (rooms/d1-copy.ts).
import type { MessageRow } from "../domain/db/mappers";

type Party = "customer" | "staff";
type Row = Record<string, SqlStorageValue>;

const COLUMNS = "seq, client_id, sender_type, sender_id, kind, text, media_key, duration_ms, flagged, sent_at, read_at";

export class MessageLog {
  constructor(
    private readonly sql: SqlStorage,
    private readonly conversationId: string,
  ) {
    MessageLog.createTable(sql);
  }

  /** Creates the table (a no-op once it exists). */
  static createTable(sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS messages (
        seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, sender_type TEXT NOT NULL, sender_id TEXT NOT NULL,
        kind TEXT NOT NULL, text TEXT, media_key TEXT, duration_ms INTEGER, flagged INTEGER NOT NULL,
        sent_at INTEGER NOT NULL, read_at INTEGER)`,
    );
  }

  /**
   * Stores a message (its seq must be the next one); false when the log already has its client id
   * (a resend: nothing is written).
   */
  append(m: MessageRow): boolean {
    return this.sql.exec(
      `INSERT INTO messages (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING`,
      m.seq, m.clientId, m.senderType, m.senderId, m.kind, m.text, m.mediaKey, m.durationMs, m.flagged ? 1 : 0, m.sentAt, m.readAt,
    ).rowsWritten > 0;
  }

  byClientId(clientId: string): { seq: number; sentAt: number } | undefined {
    const [row] = this.sql.exec<{ seq: number; sent_at: number }>("SELECT seq, sent_at FROM messages WHERE client_id = ?", clientId).toArray();
    return row && { seq: row.seq, sentAt: row.sent_at };
  }

  /** Flags a message (content check verdict); returns it, or undefined when there is none. */
  flag(seq: number): MessageRow | undefined {
    this.sql.exec("UPDATE messages SET flagged = 1 WHERE seq = ?", seq);
    return this.rows("WHERE seq = ?", seq)[0];
  }

  lastSeq(): number {
    return this.sql.exec<{ s: number | null }>("SELECT max(seq) AS s FROM messages").one().s ?? 0;
  }

  last(): MessageRow | undefined {
    return this.rows("ORDER BY seq DESC LIMIT 1")[0];
  }

  /** Up to `limit` messages after `seq`, oldest first. */
  after(seq: number, limit: number): MessageRow[] {
    return this.rows("WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit);
  }

  /** The `limit` messages before `seq` (or the newest), oldest first. */
  before(seq: number | undefined, limit: number): MessageRow[] {
    return this.rows("WHERE seq < ? ORDER BY seq DESC LIMIT ?", seq ?? Number.MAX_SAFE_INTEGER, limit).reverse();
  }

  /** Marks the other party's messages up to `seq` read; returns how many of theirs stay unread. */
  markRead(reader: Party, seq: number, at: number): number {
    const other = reader === "staff" ? "customer" : "staff";
    this.sql.exec("UPDATE messages SET read_at = ? WHERE sender_type = ? AND seq <= ? AND read_at IS NULL", at, other, seq);
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE sender_type = ? AND seq > ? AND read_at IS NULL", other, seq).one().n;
  }

  private rows(tail: string, ...bindings: SqlStorageValue[]): MessageRow[] {
    return this.sql.exec<Row>(`SELECT ${COLUMNS} FROM messages ${tail}`, ...bindings).toArray().map((r) => this.toRow(r));
  }

  private toRow(r: Row): MessageRow {
    return {
      conversationId: this.conversationId,
      seq: r.seq as number,
      clientId: r.client_id as string,
      senderType: r.sender_type as MessageRow["senderType"],
      senderId: r.sender_id as string,
      kind: r.kind as MessageRow["kind"],
      text: r.text as string | null,
      mediaKey: r.media_key as string | null,
      durationMs: r.duration_ms as number | null,
      flagged: r.flagged === 1,
      sentAt: r.sent_at as number,
      readAt: r.read_at as number | null,
    };
  }
}
