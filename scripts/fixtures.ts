// Bulk fixtures as SQL (customers, staff, conversations, messages) and locally minted tokens,
// for the benchmark, the chaos run and tests that need many rows or old ones fast.
import { randomBytes } from "node:crypto";
import { signToken, TOKEN_TTL_MS, type PrincipalRole } from "../domain/auth/token";
import { staffSql } from "./seed";

const q = (v: string | number | null | undefined) =>
  v == null ? "NULL" : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`;

/** Multi-row INSERTs in chunks (SQLite caps the number of terms in one statement). */
export function insertRows(table: string, columns: string[], rows: (string | number | null | undefined)[][], chunk = 200): string {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows.slice(i, i + chunk).map((r) => `(${r.map(q).join(", ")})`);
    out.push(`INSERT INTO ${table} (${columns.join(", ")}) VALUES\n${values.join(",\n")};`);
  }
  return out.join("\n");
}

export const newConversationId = () => `c_${randomBytes(16).toString("hex")}`;

/** Shaped like WeChat's (28 characters from "o"), so the fake WeChat API accepts it as a real user's. */
export const fixtureOpenid = (id: string) => `o${id.replace(/[^\w-]/g, "")}`.padEnd(28, "0");

export type FixtureCustomer = { id: string; openid?: string; createdAt?: number };
export const customersSql = (list: FixtureCustomer[], now = Date.now()) =>
  insertRows(
    "users",
    ["id", "openid", "nickname", "created_at", "last_active_at"],
    list.map((c) => [c.id, c.openid ?? fixtureOpenid(c.id), `客户${c.id.slice(-4)}`, c.createdAt ?? now, c.createdAt ?? now]),
  );

export type FixtureConversation = {
  id: string;
  customerId: string;
  staffId: string;
  status?: "pending" | "active" | "ended";
  createdAt?: number;
  lastMessageAt?: number | null;
  endedAt?: number | null;
  lastSeq?: number;
};
export const conversationsSql = (list: FixtureConversation[], now = Date.now()) =>
  insertRows(
    "conversations",
    ["id", "customer_id", "staff_id", "status", "source", "created_at", "last_message_at", "ended_at", "last_seq"],
    list.map((c) => [c.id, c.customerId, c.staffId, c.status ?? "pending", "direct", c.createdAt ?? now, c.lastMessageAt, c.endedAt, c.lastSeq ?? 0]),
  );

export type FixtureMessage = { conversationId: string; seq: number; senderType: "customer" | "staff"; senderId: string; text: string; sentAt: number };
export const messagesSql = (list: FixtureMessage[]) =>
  insertRows(
    "messages",
    ["conversation_id", "seq", "client_id", "sender_type", "sender_id", "kind", "text", "sent_at"],
    list.map((m) => [m.conversationId, m.seq, `fixture-${m.conversationId}-${m.seq}`, m.senderType, m.senderId, "text", m.text, m.sentAt]),
  );

/** `count` on-duty default staff with ids s_load0001…, password "demo123". */
export async function loadStaffSql(count: number): Promise<{ ids: string[]; sql: string }> {
  const ids = Array.from({ length: count }, (_, i) => `s_load${String(i + 1).padStart(4, "0")}`);
  // One hash for all: PBKDF2 per row would take minutes at scale.
  const [first, ...rest] = ids;
  const sql = (await staffSql([{ id: first, code: first, name: `压测客服${1}`, password: "demo123", isDefault: true, isOnDuty: true }]))
    .concat("\n", rest.map((id, i) => `INSERT INTO staff (id, code, name, avatar, role, is_default, is_on_duty, password_hash, created_at) SELECT ${q(id)}, ${q(id)}, ${q(`压测客服${i + 2}`)}, avatar, role, 1, 1, password_hash, created_at FROM staff WHERE id = ${q(first)};`).join("\n"));
  return { ids, sql };
}

/** A socket ticket minted here, valid for `ttlMs` (the benchmarks reconnect with it for their whole run). */
export async function mintSocketTicket(secret: string, sub: string, role: PrincipalRole, ttlMs = 24 * 3600 * 1000): Promise<string> {
  return signToken(secret, { sub, role, exp: Date.now() + ttlMs, use: "socket" });
}

export async function mintToken(secret: string, sub: string, role: PrincipalRole): Promise<string> {
  const ttl = role === "customer" ? TOKEN_TTL_MS.customer : TOKEN_TTL_MS.staff;
  return signToken(secret, { sub, role, exp: Date.now() + ttl });
}
