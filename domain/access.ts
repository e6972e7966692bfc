// Who may see a conversation: its customer, its assigned staff, and supervisors and admins.
import { eq } from "drizzle-orm";
import { type Principal, seesAllConversations } from "./auth/token";
import type { Db } from "./db/client";
import type { ConversationRow } from "./db/mappers";
import { conversations } from "./db/schema";
import { forbidden, notFound } from "./errors";

export function canSee(p: Pick<Principal, "role" | "sub">, row: Pick<ConversationRow, "customerId" | "staffId">): boolean {
  if (p.role === "customer") return row.customerId === p.sub;
  return row.staffId === p.sub || seesAllConversations(p.role);
}

export async function conversationFor(db: Db, p: Principal, id: string): Promise<ConversationRow> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
  // Customers learn nothing about conversations that are not theirs.
  if (!row) throw notFound("会话不存在");
  if (!canSee(p, row)) throw p.role === "customer" ? notFound("会话不存在") : forbidden("无权查看此会话");
  return row;
}
