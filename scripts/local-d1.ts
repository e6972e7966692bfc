// The local D1 database of a `wrangler dev --persist-to` directory, opened straight from its
// SQLite file (through @libsql/client) instead of spawning `wrangler d1 execute` (~1–2 s of CPU
// each): seeding before start, fixtures, and queries in tests and the chaos run. The file is in
// WAL mode and workerd takes SQLite's ordinary file locks, so a statement from here while
// `wrangler dev` runs is as safe as one through `wrangler d1 execute` (which opens the same file
// from another process too): a write here is seen by the next request, and a request that needs
// the lock while one is held here waits or fails, never corrupts. Keep statements short.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";

export function localD1File(persistTo: string): string {
  const dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${files.length}`);
  return join(dir, files[0]);
}

/**
 * workerd takes SQLite's lock for a moment at a time while the system runs: a statement from here
 * that finds the database locked (SQLITE_BUSY) waits until it is free, for a few seconds at most.
 */
async function whenUnlocked<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if ((error as { code?: string }).code !== "SQLITE_BUSY" || attempt >= 50) throw error;
      await new Promise((r) => setTimeout(r, Math.min(10 * attempt, 200)));
    }
  }
}

export function openLocalD1(persistTo: string): Client {
  return createClient({ url: `file:${localD1File(persistTo)}` });
}

/** Runs a SQL script (several statements) in one go, with foreign keys enforced as D1 does. */
export async function executeLocalD1(persistTo: string, sql: string): Promise<void> {
  const db = openLocalD1(persistTo);
  try {
    await whenUnlocked(() => db.executeMultiple(`PRAGMA foreign_keys = ON;\n${sql}`));
  } finally {
    db.close();
  }
}

/** Splits `;`-separated statements, leaving semicolons inside quoted strings alone. */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
    } else if (ch === ";") {
      if (current.trim()) out.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** Runs several `;`-separated statements; one list of rows per statement. */
export async function queryAllJson<T>(persistTo: string, command: string): Promise<T[][]> {
  const db = openLocalD1(persistTo);
  try {
    const out: T[][] = [];
    for (const statement of splitStatements(command)) out.push(await selectAll<T>(db, statement));
    return out;
  } finally {
    db.close();
  }
}

/** The rows of the first statement. */
export async function queryJson<T>(persistTo: string, command: string): Promise<T[]> {
  return (await queryAllJson<T>(persistTo, command))[0] ?? [];
}

/** Rows of a query as plain objects. */
export async function selectAll<T = Record<string, unknown>>(db: Client, query: string, args: (string | number | null)[] = []): Promise<T[]> {
  const result = await whenUnlocked(() => db.execute({ sql: query, args }));
  return result.rows.map((row) => Object.fromEntries(result.columns.map((c) => [c, row[c]])) as T);
}

/** Every row of every application table, in rowid order. */
export async function dumpLocalD1(persistTo: string): Promise<Record<string, Record<string, unknown>[]>> {
  const db = openLocalD1(persistTo);
  try {
    const tables = await selectAll<{ name: string }>(
      db,
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations' ORDER BY name",
    );
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const { name } of tables) out[name] = await selectAll(db, `SELECT * FROM "${name}" ORDER BY rowid`);
    return out;
  } finally {
    db.close();
  }
}
