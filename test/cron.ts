// Runs the Worker's cron handler in a local system (wrangler dev --test-scheduled).
import assert from "node:assert/strict";

export async function runCron(sys: { url: string }, cron: string): Promise<void> {
  const res = await fetch(`${sys.url}/__scheduled?cron=${encodeURIComponent(cron)}`);
  assert.equal(res.status, 200, await res.text());
}

export const TICK_CRON = "*/5 * * * *";
