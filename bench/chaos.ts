// `npm run chaos [-- --customers 20 --kills 3 --duration 75]`
// A soak under faults: customers and staff chat through the real client (ConversationClient:
// resends unacknowledged messages after every reconnect, syncs the gap) while this script
// SIGKILLs workerd (the whole `wrangler dev` process group) several times and restarts it on the
// same state directory and port, drops client sockets at random, and replays messages that were
// already acknowledged. Rooms ack after their own storage commits and copy to D1 within about a
// second, so most kills fall between a room's commit and its D1 copy (counted at each kill). At
// the end every room's history must equal its D1 copy, every acknowledged message must be in D1
// exactly once, no message twice, and every client's history must equal the database's. Exits 1 otherwise.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { ConversationClient } from "../client/conversation-client";
import { conversationsSql, customersSql, loadStaffSql, mintSocketTicket, mintToken, newConversationId } from "../scripts/fixtures";
import { openLocalD1, selectAll } from "../scripts/local-d1";
import type { RunningSystem, SystemOptions } from "../scripts/system";
import { startFakeWechat } from "../fake-wechat/server";
import { LIMITS, type Message, type MessageContent } from "../protocol";
import { snapshotTree, systemOf } from "./snapshot";
import { summarize } from "./stats";

const { values: args } = parseArgs({
  options: {
    customers: { type: "string", default: "20" },
    staff: { type: "string", default: "4" },
    kills: { type: "string", default: "3" },
    duration: { type: "string", default: "75" },
    /** Mean seconds between two messages of one client. */
    interval: { type: "string", default: "1" },
    /** Mean seconds between two random socket drops. */
    drops: { type: "string", default: "1.5" },
  },
});
const customers = Number(args.customers);
const kills = Number(args.kills);
const durationMs = Number(args.duration) * 1000;
const intervalMs = Number(args.interval) * 1000;
const dropEveryMs = Number(args.drops) * 1000;
const SETTLE_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 23)}] ${line}`);

type Sent = { clientId: string; conversationId: string; text: string; client: Chatter };
type Chatter = { name: string; conversationId: string; party: "customer" | "staff"; token: string; client: ConversationClient };

const secret = `chaos-${crypto.randomUUID()}`;
const staff = await loadStaffSql(Number(args.staff));
const pairs = Array.from({ length: customers }, (_, i) => ({
  conversationId: newConversationId(),
  customerId: `u_chaos${String(i).padStart(4, "0")}`,
  staffId: staff.ids[i % staff.ids.length],
}));
const snapshot = snapshotTree();
const { freePort, prepareDatabase, startWorker } = await systemOf(snapshot);
const wechat = await startFakeWechat();
const persistTo = mkdtempSync(join(tmpdir(), "kefu-chaos-"));
const options: SystemOptions = {
  persistTo,
  wechatBaseUrl: wechat.url,
  port: await freePort(),
  vars: {
    TOKEN_SECRET: secret,
    WECHAT_SECRET: wechat.secret,
    WECHAT_APPID: wechat.appid,
    // Every client reconnects after each kill and drop, all from 127.0.0.1.
    RATE_LIMITS: "socket_ip=1000000/60,socket_token=100000/60,sockets_identity=off",
  },
};
await prepareDatabase(
  persistTo,
  [
    staff.sql,
    customersSql(pairs.map((p) => ({ id: p.customerId }))),
    conversationsSql(pairs.map((p) => ({ id: p.conversationId, customerId: p.customerId, staffId: p.staffId, status: "active" }))),
  ].join("\n"),
);
let system: RunningSystem = await startWorker(options);
log(`system up on ${system.url}, running a snapshot of the tree (${snapshot}), state in ${persistTo}`);

// ---------- clients ----------
const sent = new Map<string, Sent>();
const acked = new Map<string, number>();
const replayMismatches: string[] = [];
let replays = 0;
let drops = 0;
let ackTimes: number[] = [];
const chatters: Chatter[] = [];
for (const p of pairs) {
  for (const party of ["customer", "staff"] as const) {
    const id = party === "customer" ? p.customerId : p.staffId;
    const socketTicket = await mintSocketTicket(secret, id, party);
    const token = await mintToken(secret, id, party);
    const chatter: Chatter = {
      name: `${party}:${id}@${p.conversationId.slice(0, 8)}`,
      conversationId: p.conversationId,
      party,
      token,
      client: new ConversationClient({
        host: `127.0.0.1:${options.port}`,
        conversationId: p.conversationId,
        ticket: async () => socketTicket,
        self: { party, id },
        WebSocket,
        events: {
          ack: (clientId, seq) => {
            const first = acked.get(clientId);
            if (first === undefined) acked.set(clientId, seq);
            else if (first !== seq) replayMismatches.push(`${clientId}: first acked as ${first}, then as ${seq}`);
            const s = sent.get(clientId);
            if (s && first === undefined) ackTimes.push(Date.now() - Number(s.text.split("@")[1]));
          },
        },
      }),
    };
    chatters.push(chatter);
  }
}

let counter = 0;
function sendOne(c: Chatter) {
  const text = `${c.party === "customer" ? "客户" : "客服"} #${++counter} @${Date.now()}`;
  const content: MessageContent = { kind: "text", text };
  const clientId = c.client.send(content);
  sent.set(clientId, { clientId, conversationId: c.conversationId, text, client: c });
}

/** Sends an acknowledged message again under its clientId: the room must answer with the original seq. */
function replayOne() {
  const done = [...acked.keys()];
  if (done.length === 0) return;
  const s = sent.get(done[Math.floor(Math.random() * done.length)]);
  if (!s) return;
  replays++;
  s.client.client.send({ kind: "text", text: s.text }, s.clientId);
}

// ---------- traffic, drops and kills ----------
let sending = true;
const loops: Promise<void>[] = chatters.map(async (c) => {
  await sleep(Math.random() * intervalMs);
  while (sending) {
    sendOne(c);
    await sleep(intervalMs * (0.5 + Math.random()));
  }
});
loops.push(
  (async () => {
    while (sending) {
      await sleep(dropEveryMs * (0.5 + Math.random()));
      if (!sending) break;
      chatters[Math.floor(Math.random() * chatters.length)].client.reconnect();
      drops++;
      if (Math.random() < 0.5) replayOne();
    }
  })(),
);

type Row = { conversation_id: string; seq: number; client_id: string; sender_type: string; text: string };
async function readDb(): Promise<Row[]> {
  const db = openLocalD1(persistTo);
  try {
    return await selectAll<Row>(db, "SELECT conversation_id, seq, client_id, sender_type, text FROM messages ORDER BY conversation_id, seq");
  } finally {
    db.close();
  }
}

/** restartMs: restart to healthy; allReconnectedMs/firstAckMs: from the restart; downtimeMs: kill to every client back. */
type Recovery = {
  at: number;
  restartMs: number;
  allReconnectedMs: number;
  firstAckMs: number;
  downtimeMs: number;
  pendingAtKill: number;
  /** Acknowledged (so committed in their room) but not yet copied to D1 when the process died. */
  ackedNotInD1AtKill: number;
};
const recoveries: Recovery[] = [];

async function killAndRestart(n: number) {
  const pendingAtKill = chatters.reduce((a, c) => a + c.client.pending.size, 0);
  const ackedBefore = acked.size;
  const old = system.process;
  const exited = new Promise((r) => old.once("exit", r));
  const killedAt = Date.now();
  process.kill(-old.pid!, "SIGKILL");
  await exited;
  const inD1 = new Set((await readDb()).map((r) => r.client_id));
  const ackedNotInD1AtKill = [...acked.keys()].filter((id) => !inD1.has(id)).length;
  log(`kill ${n}: SIGKILLed wrangler dev + workerd (pid ${old.pid}), ${pendingAtKill} messages unacknowledged, ${ackedNotInD1AtKill} acknowledged but not yet in D1`);
  await sleep(500 + Math.random() * 1500);
  const restartAt = Date.now();
  system = await startWorker(options);
  const restartMs = Date.now() - restartAt;
  const firstAck = (async () => {
    while (acked.size === ackedBefore) await sleep(20);
    return Date.now() - restartAt;
  })();
  while (chatters.some((c) => !c.client.open)) await sleep(50);
  const allReconnectedMs = Date.now() - restartAt;
  const firstAckMs = await firstAck;
  recoveries.push({ at: killedAt, restartMs, allReconnectedMs, firstAckMs, downtimeMs: restartAt + allReconnectedMs - killedAt, pendingAtKill, ackedNotInD1AtKill });
  log(`kill ${n}: workerd healthy ${restartMs} ms after restart, all ${chatters.length} clients back after ${allReconnectedMs} ms, first ack after ${firstAckMs} ms`);
}

const startedAt = Date.now();
const killEvery = durationMs / (kills + 1);
for (let n = 1; n <= kills; n++) {
  await sleep(Math.max(0, startedAt + n * killEvery - Date.now()));
  await killAndRestart(n);
}
await sleep(Math.max(0, startedAt + durationMs - Date.now()));
sending = false;
await Promise.all(loops);
log(`traffic stopped: ${sent.size} messages sent, ${drops} socket drops, ${replays} replays of acknowledged messages`);

// ---------- settle: everything acknowledged, every client caught up ----------
const settleUntil = Date.now() + SETTLE_MS;
while (Date.now() < settleUntil && chatters.some((c) => c.client.pending.size > 0 || !c.client.open)) await sleep(100);
const unacked = chatters.reduce((a, c) => a + c.client.pending.size, 0);

const historyKey = (m: { seq: number; clientId: string; sender: string; text: string | null }) => `${m.seq}|${m.clientId}|${m.sender}|${m.text}`;
function compareHistories(rows: Row[]) {
  const byConversation = new Map<string, string[]>();
  for (const r of rows) {
    const list = byConversation.get(r.conversation_id) ?? [];
    list.push(historyKey({ seq: r.seq, clientId: r.client_id, sender: r.sender_type, text: r.text }));
    byConversation.set(r.conversation_id, list);
  }
  return chatters.filter((c) => {
    const mine = c.client.history().map(historyKey);
    const theirs = byConversation.get(c.conversationId) ?? [];
    return mine.length !== theirs.length || mine.some((k, i) => k !== theirs[i]);
  });
}

/** A room's own record of its history (the room answers GET /api/conversations/:id/messages from it). */
async function roomHistory(c: Chatter): Promise<string[]> {
  const keys: string[] = [];
  for (let after = 0; ; ) {
    const res = await fetch(`${system.url}/api/conversations/${c.conversationId}/messages?after=${after}&limit=${LIMITS.pageSize}`, {
      headers: { authorization: `Bearer ${c.token}` },
    });
    if (!res.ok) throw new Error(`history of ${c.conversationId}: HTTP ${res.status}`);
    const page = ((await res.json()) as { messages: Message[] }).messages;
    keys.push(...page.map(historyKey));
    if (page.length < LIMITS.pageSize) return keys;
    after = page[page.length - 1].seq;
  }
}

/** Conversations whose D1 copy differs from their room's record. */
function copyMismatches(rooms: Map<string, string[]>, rows: Row[]): string[] {
  const d1 = new Map<string, string[]>();
  for (const r of rows) d1.set(r.conversation_id, [...(d1.get(r.conversation_id) ?? []), historyKey({ seq: r.seq, clientId: r.client_id, sender: r.sender_type, text: r.text })]);
  return [...rooms].filter(([id, keys]) => JSON.stringify(keys) !== JSON.stringify(d1.get(id) ?? [])).map(([id]) => id);
}

const rooms = new Map<string, string[]>();
for (const c of chatters.filter((c) => c.party === "customer")) rooms.set(c.conversationId, await roomHistory(c));
// The copy runs within about a second of the last change.
let rows = await readDb();
const copyUntil = Date.now() + 15_000;
while (Date.now() < copyUntil && copyMismatches(rooms, rows).length > 0) {
  await sleep(200);
  rows = await readDb();
}
const d1CopyMismatches = copyMismatches(rooms, rows);
// Clients learn of the other side's last messages live; give stragglers the settle time.
const lastSeq = new Map<string, number>();
for (const r of rows) lastSeq.set(r.conversation_id, Math.max(lastSeq.get(r.conversation_id) ?? 0, r.seq));
while (Date.now() < settleUntil && chatters.some((c) => c.client.lastSeq < (lastSeq.get(c.conversationId) ?? 0))) await sleep(100);
rows = await readDb();
const mismatched = compareHistories(rows);
let healedByReconnect = 0;
if (mismatched.length > 0) {
  for (const c of mismatched) c.client.reconnect();
  const until = Date.now() + 15_000;
  while (Date.now() < until && compareHistories(rows).length > 0) await sleep(100);
  healedByReconnect = mismatched.length - compareHistories(rows).length;
}
const stillMismatched = compareHistories(rows);

for (const c of chatters) c.client.close();
await system.stop();
await wechat.close();

// ---------- verdict ----------
const stored = new Map<string, number>();
const storedTexts = new Map<string, number>();
for (const r of rows) {
  stored.set(r.client_id, (stored.get(r.client_id) ?? 0) + 1);
  storedTexts.set(r.text, (storedTexts.get(r.text) ?? 0) + 1);
}
const lost = [...acked.keys()].filter((id) => !stored.has(id));
const duplicateIds = [...stored.values()].filter((n) => n > 1).length;
const duplicateTexts = [...storedTexts.values()].filter((n) => n > 1).length;
const storedUnknown = [...stored.keys()].filter((id) => !sent.has(id)).length;
const ack = summarize(ackTimes);
ackTimes = [];

const report = {
  kills: recoveries.length,
  recovery: recoveries.map(({ at: _at, ...r }) => r),
  worstRecoveryMs: Math.max(...recoveries.map((r) => r.allReconnectedMs)),
  worstDowntimeMs: Math.max(...recoveries.map((r) => r.downtimeMs)),
  clients: chatters.length,
  sent: sent.size,
  acked: acked.size,
  unackedAtEnd: unacked,
  stored: rows.length,
  lostAcked: lost.length,
  duplicateClientIds: duplicateIds,
  duplicateTexts,
  storedButNeverSent: storedUnknown,
  socketDrops: drops,
  replaysOfAcked: replays,
  replayAckedWithOtherSeq: replayMismatches.length,
  ackLatencyMs: { p50: ack.p50, p99: ack.p99, max: ack.max },
  historiesEqualToDb: chatters.length - stillMismatched.length,
  historiesHealedByFinalReconnect: healedByReconnect,
  roomsWhoseD1CopyDiffers: d1CopyMismatches.length,
  ackedNotInD1AtKills: recoveries.map((r) => r.ackedNotInD1AtKill),
};
console.log("\nchaos result");
console.log(JSON.stringify(report, null, 2));
const ok =
  recoveries.length === kills &&
  unacked === 0 &&
  lost.length === 0 &&
  duplicateIds === 0 &&
  duplicateTexts === 0 &&
  storedUnknown === 0 &&
  replayMismatches.length === 0 &&
  stillMismatched.length === 0 &&
  d1CopyMismatches.length === 0 &&
  rows.length === sent.size;
console.log(
  ok
    ? `\nPASS: ${kills} kills, ${sent.size} sent, ${acked.size} acknowledged, ${rows.length} stored, 0 lost, 0 duplicated; all ${chatters.length} client histories equal D1, every room's D1 copy equals its record (${report.ackedNotInD1AtKills.join("/")} acknowledged messages not yet in D1 at the kills); worst recovery ${report.worstRecoveryMs} ms`
    : `\nFAIL: see the counts above${d1CopyMismatches.length ? `; D1 copy differs for ${d1CopyMismatches.join(", ")}` : ""}${stillMismatched.length ? `; histories differ for ${stillMismatched.map((c) => c.name).join(", ")}` : ""}${replayMismatches.length ? `; ${replayMismatches.slice(0, 3).join("; ")}` : ""}`,
);
process.exit(ok ? 0 : 1);
