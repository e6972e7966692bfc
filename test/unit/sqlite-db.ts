// A throwaway SQLite database with the migrations and the demo seed applied, opened through
// drizzle's libSQL driver: the queries of domain/ run on it as they run on D1 (both SQLite), with
// no wrangler and no workerd.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import type { Db } from "../../domain/db/client";
import { schema } from "../../domain/db/client";
import { demoSeedSql } from "../../scripts/seed";
import { rootDir } from "../../scripts/wrangler";

export async function seededDb(extraSql = ""): Promise<Db> {
  const dir = mkdtempSync(join(tmpdir(), "kefu-unit-"));
  const client = createClient({ url: `file:${join(dir, "db.sqlite")}` });
  after(() => {
    client.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const migrations = join(rootDir, "migrations");
  for (const file of readdirSync(migrations).filter((f) => f.endsWith(".sql")).sort()) {
    await client.executeMultiple(readFileSync(join(migrations, file), "utf8"));
  }
  await client.executeMultiple(`PRAGMA foreign_keys = ON;\n${await demoSeedSql()}\n${extraSql}`);
  return drizzle(client, { schema }) as unknown as Db;
}
