// `npm run bench:cost [-- --rooms 200 --rounds 3]`
// Runtime CPU per message, split by phase. workerd's clocks stand still while code runs, so the
// phases are told apart by traffic shape instead of timers inside: each step sends one kind of
// frame to every room, `rounds` times, waits until every answer is in, and divides the workerd
// processes' CPU time (minus their idle rate) by the frames sent. The difference between two
// steps is the cost of what one does and the other does not:
//   bad frame        partyserver's per-message work, JSON + zod parse, an error frame back
//   typing           the same plus a broadcast to the room's other socket
//   resend           parse, dedup lookup in the room's log, ack
//   staff message    parse, store in the room's log, ack, broadcast, inbox notify (staff room RPC + feed)
//   D1 copy          the batched copy of those messages, measured after their acks (copy delay 3 s)
//   customer message the staff message's work plus the content check and the auto-reply check
//   wake             a staff message to rooms left idle past their eviction, minus a staff message
//   first message    a customer's first message to a room left idle since its sockets opened,
//                    with everything it sets off (D1 copy before the ack, greeting, inbox, monitor)
// The same population and system setup as `npm run bench` (bench/setup.ts). The same message step
// runs against the bare ws relay and against that relay as Durable Objects on workerd
// (bench/workerd-relay): the runtime's own cost per message, apart from kefu's.
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { openLocalD1, selectAll } from "../scripts/local-d1";
import { cpuMeter } from "./process-stats";
import { type BenchPair, population, type Relay, startKefu, startRelay, startWorkerdRelay, stopAllOnExit } from "./setup";
import { round } from "./stats";

const { values: args } = parseArgs({
  options: {
    rooms: { type: "string", default: "200" },
    staff: { type: "string", default: "20" },
    rounds: { type: "string", default: "3" },
    /** Seconds rooms are left idle before the wake step (workerd evicts an idle room after about 10 s). */
    idle: { type: "string", default: "15" },
  },
});
const rooms = Number(args.rooms);
const rounds = Number(args.rounds);
const log = (line: string) => console.log(line);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Frame = { type: string; clientId?: string; code?: string; message?: { clientId: string } };
type Room = { pair: BenchPair; customer: Socket; staff: Socket };

/** A socket that resolves waiters on matching frames. */
class Socket {
  private waiters: { match: (f: Frame) => boolean; resolve: () => void }[] = [];
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.waiters = this.waiters.filter((w) => (w.match(frame) ? (w.resolve(), false) : true));
    });
  }
  static async open(url: string, attempts = 5): Promise<Socket> {
    for (let i = 1; ; i++) {
      try {
        return await new Promise((resolve, reject) => {
          const ws = new WebSocket(url, { perMessageDeflate: false });
          ws.once("open", () => {
            ws.on("error", (e) => console.error(`socket error: ${e.message}`));
            resolve(new Socket(ws));
          });
          ws.once("error", reject);
        });
      } catch (error) {
        if (i >= attempts) throw error;
        await sleep(500 * i);
      }
    }
  }
  next(match: (f: Frame) => boolean): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }
  send(frame: unknown) {
    this.ws.send(JSON.stringify(frame));
  }
}

async function openRooms(pairs: BenchPair[], urlFor: (party: "customer" | "staff", p: BenchPair) => string): Promise<Room[]> {
  const out: Room[] = [];
  for (let i = 0; i < pairs.length; i += 32) {
    out.push(
      ...(await Promise.all(
        pairs.slice(i, i + 32).map(async (pair) => ({ pair, customer: await Socket.open(urlFor("customer", pair)), staff: await Socket.open(urlFor("staff", pair)) })),
      )),
    );
  }
  return out;
}

let counter = 0;
const text = (id: string) => ({ kind: "text", text: `成本测量 ${id}` });

/** Sends a message from one side and waits for its ack and its arrival on the other side. */
async function message(room: Room, from: "customer" | "staff", clientId = `cost-${from}-${++counter}-${Date.now()}`) {
  const [sender, receiver] = from === "customer" ? [room.customer, room.staff] : [room.staff, room.customer];
  const acked = sender.next((f) => f.type === "ack" && f.clientId === clientId);
  const arrived = receiver.next((f) => f.type === "message" && f.message?.clientId === clientId);
  sender.send({ type: "send", clientId, content: text(clientId) });
  await Promise.all([acked, arrived]);
  return clientId;
}

/**
 * CPU ms per operation of `step` over every room, `times` times, minus the idle rate; with
 * `settleMs`, what the operations leave running afterwards (notifications, copies) counts too.
 */
async function measure(pids: number[], idlePerMs: number, name: string, all: Room[], op: (room: Room, round: number) => Promise<unknown>, o: { times?: number; settleMs?: number } = {}) {
  const times = o.times ?? rounds;
  const cpu = cpuMeter(pids);
  const t0 = Date.now();
  for (let r = 0; r < times; r++) await Promise.all(all.map((room) => op(room, r)));
  const busyMs = Date.now() - t0;
  if (o.settleMs) await sleep(o.settleMs);
  const elapsed = Date.now() - t0;
  const ms = (cpu() * 1000 - idlePerMs * elapsed) / (all.length * times);
  log(`  ${name.padEnd(18)} ${round(ms, 3).toString().padStart(8)} ms/frame  (${all.length * times} frames in ${busyMs} ms${o.settleMs ? `, then ${o.settleMs} ms for what they left running` : ""})`);
  return ms;
}

async function idleRate(pids: number[]): Promise<number> {
  const cpu = cpuMeter(pids);
  await sleep(3000);
  return (cpu() * 1000) / 3000;
}

stopAllOnExit();
const pop = await population(rooms, Math.min(Number(args.staff), rooms), rooms);
log(`bench:cost: ${rooms} rooms (a customer and a staff socket each), ${rounds} frames per room per step`);
const kefu = await startKefu(pop, {
  log,
  // The copy runs 3 s after the ack, so the message steps are over before their copies start.
  vars: { D1_COPY_DELAY_MS: "3000", RATE_LIMITS: "socket_ip=10000000/60,login_ip=10000000/60,send_identity=off,sockets_identity=off" },
});
const results: Record<string, number> = {};
try {
  const all = await openRooms(pop.pairs, kefu.urlFor);
  const inboxes = await Promise.all(kefu.inboxes.map((url) => Socket.open(url)));
  const pids = kefu.workerds;
  // As in `npm run bench`, whose sockets take long enough to open that the rooms hibernate first.
  log(`  leaving the new rooms idle for ${args.idle} s`);
  await sleep(Number(args.idle) * 1000);
  const idle = await idleRate(pids);
  log(`  idle: ${round(idle * 1000, 1)} ms CPU per second`);
  // A conversation's first message: the room wakes and starts its storage, the message is checked,
  // copied to D1 before its ack (assignment reads it there), the greeting goes out, the inbox and
  // the monitor hear of a new conversation.
  const sent: string[][] = all.map(() => []);
  results.firstMessage = await measure(pids, idle, "first message", all, async (room) => sent[all.indexOf(room)].push(await message(room, "customer")), { times: 1, settleMs: 4000 });
  results.badFrame = await measure(pids, idle, "bad frame", all, async (room) => {
    const error = room.customer.next((f) => f.type === "error");
    room.customer.send({ type: "send" });
    await error;
  });
  results.typing = await measure(pids, idle, "typing", all, async (room) => {
    const seen = room.staff.next((f) => f.type === "typing");
    room.customer.send({ type: "typing" });
    await seen;
  });
  const d1Count = async () => {
    const db = openLocalD1(kefu.persistTo);
    try {
      return (await selectAll<{ n: number }>(db, "SELECT count(*) AS n FROM messages"))[0].n;
    } finally {
      db.close();
    }
  };
  // Copies of the first messages (and their greetings) out of the way.
  while ((await d1Count()) < all.length) await sleep(200);
  await sleep(500);
  const copiedBefore = await d1Count();
  results.staffMessage = await measure(pids, idle, "staff message", all, async (room, r) => {
    sent[all.indexOf(room)].push(await message(room, "staff", `cost-staff-${r}-${room.pair.conversationId}`));
  });
  {
    const expected = copiedBefore + all.length * rounds;
    const cpu = cpuMeter(pids);
    const t0 = Date.now();
    while ((await d1Count()) < expected) await sleep(100);
    // The copies start 3 s after the acks: only the time they take counts against the idle rate.
    const elapsed = Date.now() - t0;
    results.d1Copy = (cpu() * 1000 - idle * elapsed) / (all.length * rounds);
    log(`  ${"D1 copy".padEnd(18)} ${round(results.d1Copy, 3).toString().padStart(8)} ms/message (waited ${elapsed} ms for the copies)`);
  }
  results.resend = await measure(pids, idle, "resend", all, async (room, r) => {
    const clientId = sent[all.indexOf(room)][r + 1];
    const acked = room.staff.next((f) => f.type === "ack" && f.clientId === clientId);
    room.staff.send({ type: "send", clientId, content: text(clientId) });
    await acked;
  });
  results.customerMessage = await measure(pids, idle, "customer message", all, (room) => message(room, "customer"));
  log(`  leaving the rooms idle for ${args.idle} s`);
  await sleep(Number(args.idle) * 1000);
  const awake = await idleRate(pids);
  results.wake = (await measure(pids, awake, "wake + staff msg", all, (room) => message(room, "staff"))) - results.staffMessage;
  for (const s of [...all.flatMap((r) => [r.customer, r.staff]), ...inboxes]) s.ws.terminate();
} finally {
  await kefu.stop();
}

/** The same staff message step against a relay: CPU per message of what it runs on. */
async function relayStep(name: string, relay: Relay, party: "customer" | "staff"): Promise<number> {
  try {
    const all = await openRooms(pop.pairs, relay.urlFor);
    await Promise.all(all.map((room) => message(room, party)));
    const idle = await idleRate(relay.pids);
    const cost = await measure(relay.pids, idle, name, all, (room) => message(room, party));
    for (const s of all.flatMap((r) => [r.customer, r.staff])) s.ws.terminate();
    return cost;
  } finally {
    await relay.stop();
  }
}

log("\n[relay] the same message steps against the bare ws relay, and against that relay on workerd: bare, with a SQLite write before each ack, and with an HTTP call before each customer message");
results.relayMessage = await relayStep("relay message", await startRelay(), "staff");
results.workerdRelay = await relayStep("workerd relay", await startWorkerdRelay("bare", log), "staff");
results.workerdRelayStore = await relayStep("+ store", await startWorkerdRelay("store", log), "staff");
results.workerdRelayCheck = await relayStep("+ store + check", await startWorkerdRelay("store+check", log), "customer");

const r = (v: number) => round(v, 3);
log("\nruntime CPU per message, by phase (ms)");
const phases: [string, number][] = [
  ["partyserver + parse (bad frame)", results.badFrame],
  ["broadcast (typing − bad frame)", results.typing - results.badFrame],
  ["dedup + ack (resend − bad frame)", results.resend - results.badFrame],
  ["store + ack + broadcast + notify (staff message − bad frame)", results.staffMessage - results.badFrame],
  ["D1 copy", results.d1Copy],
  ["content check + auto-reply check (customer − staff message)", results.customerMessage - results.staffMessage],
  ["wake from hibernation", results.wake],
  ["a conversation's first message (customer, woken room, all in)", results.firstMessage],
  ["staff message, all in (with its D1 copy)", results.staffMessage + results.d1Copy],
  ["customer message, all in (with its D1 copy)", results.customerMessage + results.d1Copy],
  ["bare relay message", results.relayMessage],
  ["the relay on workerd (Durable Objects, an RPC per message)", results.workerdRelay],
  ["  + a SQLite write before the ack (staff message's floor)", results.workerdRelayStore],
  ["  + an HTTP call first (customer message's floor)", results.workerdRelayCheck],
];
for (const [name, v] of phases) log(`  ${name.padEnd(62)} ${r(v).toString().padStart(8)}`);
const ratios = (base: number) => `${r((results.staffMessage + results.d1Copy) / base)}× / ${r((results.customerMessage + results.d1Copy) / base)}×`;
log(`\nratio (staff / customer message with copy) to the bare relay: ${ratios(results.relayMessage)}`);
log(`to their floors on workerd (the workerd relay with a write, and with a write and an HTTP call): ${r((results.staffMessage + results.d1Copy) / results.workerdRelayStore)}× / ${r((results.customerMessage + results.d1Copy) / results.workerdRelayCheck)}×`);
process.exit(0);
