// A value read from D1 at most once per time-to-live in this isolate, shared by every request and
// room here: hot paths (each message, each entry) read settings and auto replies without a query.
// Writers clear it in their own isolate; other isolates see a change within the time-to-live.
// Only settled values are shared: a promise begun in one request or room must not be awaited by another.
import type { Db } from "./db/client";

export function isolateCache<T>(ttlMs: number, load: (db: Db) => Promise<T>) {
  let cached: { at: number; value: T } | null = null;
  return {
    async get(db: Db, now = Date.now()): Promise<T> {
      if (cached && now - cached.at < ttlMs) return cached.value;
      const value = await load(db);
      cached = { at: now, value };
      return value;
    },
    clear() {
      cached = null;
    },
  };
}
