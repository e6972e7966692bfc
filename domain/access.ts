// Who may see a conversation: its customer, its assigned staff, and supervisors and admins.
import { eq } from "drizzle-orm";
import { type Principal, seesAllConversations } from "./auth/token";
import type { Db } from "./db/client";
import type { ConversationRow } from "./db/mappers";
import { conversations } from "./db/schema";
import { type ApiError, forbidden, notFound } from "./errors";

export function canSee(p: Pick<Principal, "role" | "sub">, row: Pick<ConversationRow, "customerId" | "staffId">): boolean {
  if (p.role === "customer") return row.customerId === p.sub;
  return row.staffId === p.sub || seesAllConversations(p.role);
}

/**
 * Why `p` may not have this conversation (undefined: no conversation), or null when they may.
 * Customers learn nothing about conversations that are not theirs: not even that they exist.
 */
export function accessRefusal(
  p: Pick<Principal, "role" | "sub">,
  row: Pick<ConversationRow, "customerId" | "staffId"> | undefined,
  forbiddenMessage: string,
): ApiError | null {
  if (row && canSee(p, row)) return null;
  return !row || p.role === "customer" ? notFound("会话不存在") : forbidden(forbiddenMessage);
}

export async function conversationFor(db: Db, p: Principal, id: string): Promise<ConversationRow> {
  const [row] = await db.select().from(conversations).where(eq(conversations.id, id)).limit(1);
  const refused = accessRefusal(p, row, "无权查看此会话");
  if (refused) throw refused;
  return row;
}
