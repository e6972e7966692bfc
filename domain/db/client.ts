import { drizzle as drizzleD1 } from "drizzle-orm/d1";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql/web";
import type { Env } from "../env";
import * as schema from "./schema";

export type Db = ReturnType<typeof drizzleD1<typeof schema>>;

/**
 * D1 by default; libSQL/Turso when LIBSQL_URL is configured. Both drivers speak
 * the same drizzle SQLite dialect (including batch), so callers see one type.
 */
export function createDb(env: Pick<Env, "DB" | "LIBSQL_URL" | "LIBSQL_AUTH_TOKEN">): Db {
  if (env.LIBSQL_URL) {
    return drizzleLibsql({ connection: { url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN }, schema }) as unknown as Db;
  }
  // drizzle walks the whole schema on each construction; every request and waking room needs one.
  let db = d1Dbs.get(env.DB);
  if (!db) {
    db = drizzleD1(env.DB, { schema });
    d1Dbs.set(env.DB, db);
  }
  return db;
}

const d1Dbs = new WeakMap<D1Database, Db>();

export { schema };
