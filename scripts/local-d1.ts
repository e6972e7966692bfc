// Reads the local D1 database of a `wrangler dev --persist-to` directory straight from its
// SQLite file (through @libsql/client), for checks that would need many `wrangler d1 execute`
// runs: dumps in tests, the chaos run's final count. Read only; workerd stays the one writer.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client";

export function localD1File(persistTo: string): string {
  const dir = join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${files.length}`);
  return join(dir, files[0]);
}

export function openLocalD1(persistTo: string): Client {
  return createClient({ url: `file:${localD1File(persistTo)}` });
}

/** Rows of a query as plain objects. */
export async function selectAll<T = Record<string, unknown>>(db: Client, query: string, args: (string | number | null)[] = []): Promise<T[]> {
  const result = await db.execute({ sql: query, args });
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
