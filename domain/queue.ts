// The live queue: open conversations whose customer waits for a reply, longest wait first.
// Waiting means a customer message newer than the last staff message (system messages such as
// auto replies do not count as a reply).
import { and, asc, eq, ne, sql } from "drizzle-orm";
import type { Db } from "./db/client";
import { conversations, staff, users } from "./db/schema";
import type { QueueResult } from "../protocol";

const QUEUE_MAX = 200;

export async function waitingQueue(db: Db): Promise<QueueResult> {
  const lastReply = sql`(select max(m.sent_at) from messages m where m.conversation_id = ${conversations.id} and m.sender_type = 'staff')`;
  const waitingSince = sql<number | null>`(select min(m.sent_at) from messages m where m.conversation_id = ${conversations.id} and m.sender_type = 'customer' and m.sent_at > coalesce(${lastReply}, 0))`;
  const answered = sql<number>`(${lastReply} is not null)`;
  const rows = await db
    .select({
      conversationId: conversations.id,
      customerName: users.nickname,
      staffId: conversations.staffId,
      staffName: staff.name,
      waitingSince,
      answered,
      preview: conversations.lastMessagePreview,
    })
    .from(conversations)
    .leftJoin(users, eq(users.id, conversations.customerId))
    .leftJoin(staff, eq(staff.id, conversations.staffId))
    .where(and(ne(conversations.status, "ended"), sql`${waitingSince} is not null`))
    .orderBy(asc(waitingSince))
    .limit(QUEUE_MAX);
  const items = rows.map(({ answered: a, waitingSince: w, ...r }) => ({ ...r, waitingSince: Number(w), kind: a ? ("again" as const) : ("first" as const) }));
  return {
    items,
    counts: { first: items.filter((i) => i.kind === "first").length, again: items.filter((i) => i.kind === "again").length },
  };
}
