// Scaled run (`npm run bench:scale`): a large history spread over 6 months and a bit, written as
// D1 rows straight into the local D1 file before the system starts (the cheapest honest way in:
// every room adopts its conversation's history from D1 when it first wakes, which is how rooms
// of an earlier version or a restored backup get theirs). Then, with timings: every room woken
// (history into the rooms), statistics and content search with every message in D1, the 5-minute
// cron (retention past 183 days, room storage included, and the D1 copy window) run until it has
// nothing left, statistics again (must be equal), content search over the window, the transcript
// and the export of a conversation older than the window (read from its room).
//
//   npm run bench:scale                          200,000 messages over 2,000 conversations
//   npm run bench:scale -- --messages 1000000 --conversations 5000
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createClient } from "@libsql/client";
import { startFakeWechat } from "../fake-wechat/server";
import { customersSql, insertRows, loadStaffSql, mintToken, newConversationId } from "../scripts/fixtures";
import { localD1File, openLocalD1, selectAll } from "../scripts/local-d1";
import { settingSql } from "../scripts/seed";
import { prepareFromTemplate, startWorker } from "../scripts/system";
import { exportLineSchema } from "../protocol";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "200000" },
    conversations: { type: "string", default: "2000" },
    staff: { type: "string", default: "50" },
    /** History spread over this many days before now (past the 183-day retention, so retention has work). */
    days: { type: "string", default: "190" },
    "copy-days": { type: "string", default: "1" },
    concurrency: { type: "string", default: "8" },
    keep: { type: "boolean", default: false },
  },
});
const MESSAGES = Number(args.messages);
const CONVERSATIONS = Number(args.conversations);
const DAYS = Number(args.days);
const COPY_DAYS = Number(args["copy-days"]);
const CONCURRENCY = Number(args.concurrency);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const RETENTION_DAYS = 183;
const SECRET = `scale-${crypto.randomUUID()}`;
const TICK_CRON = "*/5 * * * *";

const PHRASES = ["请问我的订单什么时候发货呀", "这个产品有没有优惠活动可以参加", "收到货了但是包装有点破损怎么办", "好的，我帮您查询一下物流信息", "您好，已经为您登记退款申请了", "麻烦提供一下订单号和收货电话"];

/** Deterministic pseudo-random numbers, so two runs of one size write the same history. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

type Conv = { id: string; customerId: string; staffId: string; start: number; last: number; seqs: number; ended: boolean };

async function writeHistory(persistTo: string, now: number, staffIds: string[]): Promise<Conv[]> {
  const random = rng(42);
  const perConversation = Math.max(2, Math.round(MESSAGES / CONVERSATIONS));
  const convs: Conv[] = [];
  const db = openLocalD1(persistTo);
  try {
    await db.execute("PRAGMA foreign_keys = OFF");
    const customers = Array.from({ length: Math.ceil(CONVERSATIONS / 3) }, (_, i) => ({ id: `u_scale${String(i).padStart(6, "0")}`, createdAt: now - DAYS * DAY - DAY }));
    await db.executeMultiple(customersSql(customers));
    let rows: (string | number | null)[][] = [];
    const flush = async () => {
      if (rows.length === 0) return;
      await db.executeMultiple(`BEGIN;\n${insertRows("messages", ["conversation_id", "seq", "client_id", "sender_type", "sender_id", "kind", "text", "sent_at"], rows, 500)}\nCOMMIT;`);
      rows = [];
    };
    for (let c = 0; c < CONVERSATIONS; c++) {
      // Spread evenly over the period, newest last; the last few are still open.
      const start = Math.round(now - DAYS * DAY + ((c + random()) / CONVERSATIONS) * (DAYS * DAY - 6 * HOUR));
      const conv: Conv = { id: newConversationId(), customerId: customers[c % customers.length].id, staffId: staffIds[c % staffIds.length], start, last: start, seqs: perConversation, ended: true };
      let at = start;
      let sender: "customer" | "staff" = "customer";
      for (let seq = 1; seq <= perConversation; seq++) {
        const text = `${PHRASES[Math.floor(random() * PHRASES.length)]}（订单${100000 + Math.floor(random() * 900000)}）`;
        rows.push([conv.id, seq, `scale-${conv.id}-${seq}`, sender, sender === "customer" ? conv.customerId : conv.staffId, "text", text, at]);
        conv.last = at;
        at += 3_000 + Math.floor(random() * 60_000);
        // A staff reply follows each customer turn (one message, sometimes more).
        sender = sender === "customer" && random() < 0.6 ? "staff" : "customer";
      }
      conv.ended = conv.last + 30 * 60_000 < now - HOUR;
      convs.push(conv);
      if (rows.length >= 20_000) await flush();
    }
    await flush();
    await db.executeMultiple(
      `BEGIN;\n${insertRows(
        "conversations",
        ["id", "customer_id", "staff_id", "status", "source", "created_at", "started_at", "ended_at", "end_reason", "last_seq", "last_message_at", "last_message_preview", "rating", "resolved"],
        convs.map((c, i) => [c.id, c.customerId, c.staffId, c.ended ? "ended" : "active", "direct", c.start, c.start, c.ended ? c.last + 30 * 60_000 : null, c.ended ? "timeout" : null, c.seqs, c.last, "好的", i % 3 === 0 ? 1 + (i % 5) : null, i % 2]),
      )}\nCOMMIT;`,
    );
    await db.executeMultiple(`${settingSql("messageCopyDays", COPY_DAYS)}\n${settingSql("retentionDays", RETENTION_DAYS)}`);
  } finally {
    db.close();
  }
  return convs;
}

/** Bytes of the files under `dir` whose path contains `match`, and how many. */
function du(dir: string, match: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.includes(match)) {
        // A room's -shm/-wal file may go while it is read (the room was evicted).
        const size = statSync(p, { throwIfNoEntry: false })?.size;
        if (size === undefined) continue;
        bytes += size;
        files++;
      }
    }
  };
  walk(dir);
  return { bytes, files };
}

/** Messages held in the rooms' own SQLite files (workerd's local Durable Object storage), and how many rooms hold any. */
async function roomMessages(persistTo: string): Promise<{ rooms: number; messages: number }> {
  const dir = join(persistTo, "v3/do/kefu-ConversationRoom");
  const out = { rooms: 0, messages: 0 };
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite")) {
    const db = createClient({ url: `file:${join(dir, f)}` });
    try {
      const [t] = (await db.execute("SELECT count(*) AS n FROM sqlite_master WHERE name = 'messages'")).rows;
      if (Number(t.n) === 0) continue;
      const [m] = (await db.execute("SELECT count(*) AS n FROM messages")).rows;
      out.rooms++;
      out.messages += Number(m.n);
    } finally {
      db.close();
    }
  }
  return out;
}

async function d1(persistTo: string, query: string): Promise<Record<string, number>> {
  const db = openLocalD1(persistTo);
  try {
    return (await selectAll<Record<string, number>>(db, query))[0];
  } finally {
    db.close();
  }
}

/** D1's live bytes (pages in use; the file itself keeps freed pages until a VACUUM). */
const d1Bytes = async (persistTo: string) => {
  const r = await d1(persistTo, "SELECT (SELECT page_count FROM pragma_page_count()) - (SELECT freelist_count FROM pragma_freelist_count()) AS pages, (SELECT page_size FROM pragma_page_size()) AS size");
  return r.pages * r.size;
};

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  return { ms: performance.now() - t, value };
}

type Attempt = { ms: number; value?: any; error?: string };
/** A step that may fail at a large size: its error is a figure too. */
async function attempt(fn: () => Promise<unknown>): Promise<Attempt> {
  const t = performance.now();
  try {
    const value = await fn();
    return { ms: performance.now() - t, value };
  } catch (error) {
    return { ms: performance.now() - t, error: `FAILED (${(error as Error).message}${(error as { cause?: Error }).cause ? `: ${(error as { cause: Error }).cause.message}` : ""})` };
  }
}
const teamOf = (s: { team: { messagesReplied: number; responses: number; avgResponseSeconds: number | null } }) =>
  `team: ${s.team.messagesReplied} replies, ${s.team.responses} turns, average ${s.team.avgResponseSeconds} s`;

async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
const sec = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const n = (x: number) => x.toLocaleString("en-US");

async function main() {
  const rowsOut: [string, string, string][] = [];
  const row = (what: string, size: string, time: string) => {
    rowsOut.push([what, size, time]);
    console.log(`  ${what}: ${size}${time ? `, ${time}` : ""}`);
  };
  const now = Date.now();
  const persistTo = mkdtempSync(join(tmpdir(), "kefu-scale-"));
  console.log(`scale run: ${n(MESSAGES)} messages, ${n(CONVERSATIONS)} conversations over ${DAYS} days, copy window ${COPY_DAYS} day(s), state in ${persistTo}`);
  await prepareFromTemplate(persistTo);
  const staff = await loadStaffSql(Number(args.staff));
  const sdb = openLocalD1(persistTo);
  await sdb.executeMultiple(staff.sql);
  sdb.close();

  const written = await timed(() => writeHistory(persistTo, now, staff.ids));
  const convs = written.value;
  const total = convs.reduce((s, c) => s + c.seqs, 0);
  row("history written to D1 (SQLite file, before start)", `${n(total)} messages, ${n(convs.length)} conversations, D1 ${mb(await d1Bytes(persistTo))}`, sec(written.ms));

  const wechat = await startFakeWechat();
  const system = await startWorker({ persistTo, wechatBaseUrl: wechat.url, vars: { TOKEN_SECRET: SECRET, WECHAT_SECRET: wechat.secret, WECHAT_APPID: wechat.appid } });
  const admin = await mintToken(SECRET, "s_admin", "admin");
  const get = async (path: string) => {
    const res = await fetch(`${system.url}${path}`, { headers: { authorization: `Bearer ${admin}` } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res;
  };
  const json = async <T = any>(path: string): Promise<T> => (await get(path)).json() as Promise<T>;
  try {
    // Every room takes its history from D1 once, when first woken.
    // A request that fails (workerd under this load answers an occasional 500) is retried and counted.
    let retried = 0;
    const wake = async (c: Conv) => {
      for (let tries = 1; ; tries++) {
        try {
          return void (await json(`/api/conversations/${c.id}/messages?limit=1`));
        } catch (error) {
          if (tries >= 5) throw error;
          retried++;
        }
      }
    };
    const adopted = await timed(() => pool(convs, CONCURRENCY, wake));
    const rooms = du(join(persistTo, "v3/do"), "ConversationRoom");
    const inRooms = await roomMessages(persistTo);
    row(
      "every room woken, adopting its history from D1",
      `${n(inRooms.messages)} messages in ${n(inRooms.rooms)} rooms (${n(Math.round(total / (adopted.ms / 1000)))} messages/s, ${retried} requests retried); rooms' files ${mb(rooms.bytes)}`,
      sec(adopted.ms),
    );

    // Whole hours, as the console asks: the period retention leaves untouched.
    const from = Math.ceil((now - (RETENTION_DAYS - 1) * DAY) / HOUR) * HOUR;
    const to = Math.ceil((now + HOUR) / HOUR) * HOUR;
    const statsPath = `/api/admin/stats?from=${from}&to=${to}`;
    // A month three months back too: at a large size the 6-month query over every copy may not finish.
    const monthFrom = Math.ceil((now - 120 * DAY) / HOUR) * HOUR;
    const monthPath = `/api/admin/stats?from=${monthFrom}&to=${monthFrom + 30 * DAY}`;
    const statsBefore = await attempt(() => json(statsPath));
    row("statistics, 182 days, every message in D1", statsBefore.error ?? teamOf(statsBefore.value), sec(statsBefore.ms));
    const monthBefore = await attempt(() => json(monthPath));
    row("statistics, a month, every message in D1", monthBefore.error ?? teamOf(monthBefore.value), sec(monthBefore.ms));
    const keyword = "退款申请";
    const searchPath = `/api/admin/conversations?keyword=${encodeURIComponent(keyword)}&limit=50`;
    const searchAll = await attempt(() => json(searchPath));
    row(`content search "${keyword}", every message in D1`, searchAll.error ?? `${n(searchAll.value.total)} conversations match`, sec(searchAll.ms));

    // The 5-minute cron until it finds nothing more: retention (past 183 days, room storage too), then the copy window.
    const pastRetention = convs.filter((c) => c.ended && c.last + 30 * 60_000 < now - RETENTION_DAYS * DAY);
    const d1Before = await d1Bytes(persistTo);
    const cron: number[] = [];
    const cronErrors: string[] = [];
    for (let left = Infinity; ; ) {
      const run = await attempt(() => get(`/__scheduled?cron=${encodeURIComponent(TICK_CRON)}`));
      cron.push(run.ms);
      if (run.error) cronErrors.push(run.error);
      const { m, c } = await d1(persistTo, "SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM conversations) AS c");
      if (m + c >= left || cron.length > 200) break;
      left = m + c;
    }
    const after = await d1(persistTo, "SELECT (SELECT count(*) FROM messages) AS m, (SELECT count(*) FROM conversations) AS c, (SELECT count(*) FROM message_rollups) AS r");
    const inRoomsAfter = await roomMessages(persistTo);
    const pastRetentionMessages = pastRetention.reduce((s, c) => s + c.seqs, 0);
    row(
      "cron runs (retention, then the copy window) until nothing is left",
      `${cron.length} runs, slowest ${sec(Math.max(...cron))}${cronErrors.length ? ` (${cronErrors.length} failed: ${cronErrors[0]})` : ""}; ${n(convs.length - after.c)} conversations past 183 days deleted (${pastRetention.length} expected) with their rooms' storage (rooms' messages ${n(inRooms.messages)} → ${n(inRoomsAfter.messages)}, ${n(inRooms.messages - pastRetentionMessages)} expected); D1 messages ${n(total)} → ${n(after.m)}, ${n(after.r)} rollup rows; D1 in use ${mb(d1Before)} → ${mb(await d1Bytes(persistTo))}`,
      sec(cron.reduce((a, b) => a + b, 0)),
    );

    const hash = (v: unknown) => createHash("sha256").update(JSON.stringify(v)).digest("hex").slice(0, 12);
    const compare = (before: Attempt, after: Attempt) =>
      after.error ?? `${teamOf(after.value)}: ${before.error ? "(no figure before)" : hash(after.value) === hash(before.value) ? "equal to before" : "DIFFERENT from before"}`;
    const statsAfter = await attempt(() => json(statsPath));
    row("statistics, 182 days, after the trim (rollups)", compare(statsBefore, statsAfter), sec(statsAfter.ms));
    const monthAfter = await attempt(() => json(monthPath));
    row("statistics, a month, after the trim (rollups)", compare(monthBefore, monthAfter), sec(monthAfter.ms));
    const differ = (b: Attempt, a: Attempt) => !b.error && (!!a.error || hash(a.value) !== hash(b.value));
    const same = !differ(statsBefore, statsAfter) && !differ(monthBefore, monthAfter);
    const searchWindow = await timed(() => json(searchPath));
    row(`content search "${keyword}", the copy window (${COPY_DAYS} day)`, `${n(searchWindow.value.total)} conversations match`, sec(searchWindow.ms));
    const byCustomer = await timed(() => json(`/api/admin/conversations?customer=${convs[Math.floor(convs.length / 2)].customerId}`));
    row("search by customer, 6 months", `${n(byCustomer.value.total)} conversations`, sec(byCustomer.ms));

    // A conversation of about 3 months ago: its transcript and its export come from its room.
    const old = convs.filter((c) => c.ended && c.start < now - 90 * DAY).at(-1)!;
    const transcript = await timed(async () => {
      const all: { seq: number }[] = [];
      for (;;) {
        const page = await json<{ messages: { seq: number }[] }>(`/api/conversations/${old.id}/messages?after=${all.at(-1)?.seq ?? 0}&limit=100`);
        all.push(...page.messages);
        if (page.messages.length < 100) return all.length;
      }
    });
    row("transcript of a conversation 3 months old (its room, pages of 100)", `${n(transcript.value)} of ${n(old.seqs)} messages`, sec(transcript.ms));
    const dayFrom = Math.floor(old.start / DAY) * DAY;
    const exported = await timed(async () => {
      const text = await (await get(`/api/admin/conversations/export?from=${dayFrom - 6 * DAY}&to=${dayFrom + DAY}`)).text();
      const lines = text.trim().split("\n").map((l) => exportLineSchema.parse(JSON.parse(l)));
      const conv = lines.filter((l) => l.type === "conversation");
      return { conversations: conv.length, messages: conv.reduce((s, l) => s + (l.type === "conversation" ? l.messages.length : 0), 0) };
    });
    row("export of a week 3 months old (transcripts from the rooms)", `${n(exported.value.conversations)} conversations, ${n(exported.value.messages)} messages`, sec(exported.ms));

    console.log("\n| step | size | time |\n|---|---|---|");
    for (const [a, b, c] of rowsOut) console.log(`| ${a} | ${b} | ${c} |`);
    if (!same || transcript.value !== old.seqs || inRoomsAfter.messages !== inRooms.messages - pastRetentionMessages) process.exitCode = 1;
  } finally {
    await system.stop();
    await wechat.close();
    if (!args.keep) rmSync(persistTo, { recursive: true, force: true });
    else console.log(`state kept in ${persistTo} (D1 file ${localD1File(persistTo)})`);
  }
}

await main();
