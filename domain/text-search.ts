// Substring search in SQL. Not LIKE: D1 refuses LIKE patterns over 50 bytes, which is 16 Chinese
// characters, and wildcards would need escaping. instr() has no length limit; lower() keeps the
// search case-insensitive for Latin letters, as LIKE was.
import { type SQL, type SQLWrapper, sql } from "drizzle-orm";

export const containsText = (column: SQLWrapper, needle: string): SQL => sql`instr(lower(${column}), lower(${needle})) > 0`;
