// D1's copy of the conversations' messages, written for many conversations at once: each
// statement takes its rows as one JSON parameter (json_each), so a batch of hundreds of messages
// costs about what one message costs (D1 binds at most 100 parameters per statement, and every
// statement is a round trip). Idempotent: a message already there by (conversation, seq) is left
// as it is, and conversation fields never move back to an older seq.
import { getTableColumns, sql } from "drizzle-orm";
import type { Db } from "./client";
import type { ConversationRow, MessageRow } from "./mappers";
import { conversations, messages } from "./schema";

/** The conversation fields its messages and read marks move (the room owns them, D1 is told). */
export type MessageFields = Pick<
  ConversationRow,
  "lastSeq" | "lastMessageAt" | "lastMessagePreview" | "startedAt" | "unreadStaff" | "unreadCustomer" | "staffReadSeq" | "customerReadSeq" | "awaitingReply"
>;

export const MESSAGE_FIELD_KEYS = [
  "lastSeq",
  "lastMessageAt",
  "lastMessagePreview",
  "startedAt",
  "unreadStaff",
  "unreadCustomer",
  "staffReadSeq",
  "customerReadSeq",
  "awaitingReply",
] as const satisfies readonly (keyof MessageFields)[];

export function messageFieldsOf(r: ConversationRow): MessageFields {
  return Object.fromEntries(MESSAGE_FIELD_KEYS.map((k) => [k, r[k]])) as MessageFields;
}

/** One conversation's part of a copy: its fields now, and whether a staff reply made it active. */
export type FieldsCopy = { conversationId: string; active: boolean; fields: MessageFields };
/** Messages of `senderType` up to `seq` were read at `at`. */
export type ReadCopy = { conversationId: string; senderType: "customer" | "staff"; seq: number; at: number };

/** JSON numbers and strings only: SQLite's ->> hands them back as they are. */
const flat = (v: unknown) => (typeof v === "boolean" ? (v ? 1 : 0) : (v ?? null));

const MESSAGE_COLUMNS = Object.values(getTableColumns(messages)).map((c) => c.name);
const MESSAGE_KEYS = Object.keys(getTableColumns(messages)) as (keyof MessageRow)[];
const CONVERSATION_COLUMNS = getTableColumns(conversations);

const insertMessages = (json: string) =>
  sql`INSERT INTO messages (${sql.raw(MESSAGE_COLUMNS.join(", "))})
      SELECT ${sql.raw(MESSAGE_COLUMNS.map((_, i) => `value->>${i}`).join(", "))} FROM json_each(${json}) WHERE true
      ON CONFLICT DO NOTHING`;

const updateFields = (json: string) =>
  sql`UPDATE conversations SET ${sql.raw(
    MESSAGE_FIELD_KEYS.map((k) => `${CONVERSATION_COLUMNS[k].name} = j.value->>'${k}'`).join(", "),
  )}, status = CASE WHEN j.value->>'active' = 1 AND conversations.status = 'pending' THEN 'active' ELSE conversations.status END
      FROM json_each(${json}) AS j
      WHERE conversations.id = j.value->>'id' AND conversations.last_seq <= j.value->>'lastSeq'`;

const markRead = (json: string) =>
  sql`UPDATE messages SET read_at = j.value->>3 FROM json_each(${json}) AS j
      WHERE messages.conversation_id = j.value->>0 AND messages.sender_type = j.value->>1
        AND messages.seq <= j.value->>2 AND messages.read_at IS NULL`;

/** Rows per statement: each JSON parameter stays well under D1's limits (~300 bytes a message). */
const CHUNK = 200;

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Writes messages, then fields, then read marks (which may cover the messages), in one D1 batch. */
export async function writeMessageCopies(db: Db, copy: { messages: MessageRow[]; fields: FieldsCopy[]; reads: ReadCopy[] }): Promise<void> {
  const statements = [
    ...chunks(copy.messages).map((rows) => insertMessages(JSON.stringify(rows.map((m) => MESSAGE_KEYS.map((k) => flat(m[k])))))),
    ...chunks(copy.fields).map((rows) =>
      updateFields(JSON.stringify(rows.map((f) => ({ id: f.conversationId, active: f.active ? 1 : 0, ...Object.fromEntries(MESSAGE_FIELD_KEYS.map((k) => [k, flat(f.fields[k])])) })))),
    ),
    ...chunks(copy.reads).map((rows) => markRead(JSON.stringify(rows.map((r) => [r.conversationId, r.senderType, r.seq, r.at])))),
  ].map((statement) => db.run(statement).getQuery());
  if (statements.length === 0) return;
  // drizzle's D1 batch cannot take raw statements with parameters (it looks for a prepared `stmt`).
  const client = db.$client as D1Database | LibsqlClient;
  if ("prepare" in client) await client.batch(statements.map((q) => client.prepare(q.sql).bind(...q.params)));
  else await client.batch(statements.map((q) => ({ sql: q.sql, args: q.params as never })), "write");
}

type LibsqlClient = { batch(stmts: { sql: string; args: never }[], mode: "write"): Promise<unknown> };
