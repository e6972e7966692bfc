// `npm run bench [-- --customers 1000 --staff 50 --interval 10 --warmup 20 --duration 60]`
// Starts the real system (wrangler dev: workerd with local D1, R2 and Durable Objects) on a
// fresh state directory, seeds staff, customers and their open conversations, opens an inbox
// socket per staff member and a customer and a staff socket per conversation, and runs the
// traffic: every customer sends one message per interval and the staff socket answers each.
// `--flow public` seeds only the staff: they sign in over HTTP, customers sign in and enter as
// the mini program does (bench/public-flow.ts), and staff open a conversation's socket when it
// shows on their inbox feed. `--connect burst` opens the sockets all at once.
// `--reconnect` then opens every socket again the same way, to rooms that exist by now.
// `--cpu-cap 0.5` runs every server process under test with half of one core (bench/cpu-cap.ts):
// the same load on a host half as fast.
// Latencies are measured after a warm-up (every room's first message, a cold start of the whole
// system at once, falls in it), and the warm-up's own are reported apart.
// Then the same traffic against a bare `ws` relay (no persistence, no auth): the machine's
// ceiling; and against the floor: that relay as Durable Objects on workerd with a SQLite write
// before each ack and an HTTP call before each customer message (bench/workerd-relay), the least
// any design that keeps the product's durability and content check pays on this runtime.
// Prints a table with our figures as ratios to the relay's, the floor's beside it, and writes
// bench/results/<stamp>-<customers>.json and .svg (latency over time). Everything stays on
// 127.0.0.1 and every phase is bounded in time.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { rootDir } from "../scripts/wrangler";
import { latencyChart } from "./chart";
import { type LoadOptions, type LoadPair, type LoadResult, runLoad } from "./load";
import { cpuCap } from "./cpu-cap";
import { cpuMeter, sampleRss } from "./process-stats";
import { applySettings, type PublicFlow, publicFlow, type SignInFigures } from "./public-flow";
import { BENCH_STAFF_PASSWORD, isAlive, type Kefu, type Population, population, type Relay, startKefu, startRelay, startWorkerdRelay, stopAllOnExit } from "./setup";
import { round } from "./stats";

const { values: args } = parseArgs({
  options: {
    customers: { type: "string", default: "1000" },
    staff: { type: "string", default: "50" },
    interval: { type: "string", default: "10" },
    /** Seconds of traffic before the measured window (every room's first message falls in it). */
    warmup: { type: "string", default: "20" },
    duration: { type: "string", default: "60" },
    concurrency: { type: "string", default: "64" },
    /** Conversations that also get a staff socket in the room (default: all, at most 2000). */
    "staff-sockets": { type: "string" },
    drain: { type: "string", default: "15" },
    "no-baseline": { type: "boolean", default: false },
    /** Skip the third run: the relay on workerd with a write and an HTTP call per message (bench/workerd-relay). */
    "no-floor": { type: "boolean", default: false },
    /** What the third run's relay adds per message: `store+check` (the floor), `store`, or `bare`. */
    floor: { type: "string", default: "store+check" },
    "no-replies": { type: "boolean", default: false },
    "via-proxy": { type: "boolean", default: false },
    /** Raise the offered rate step by step until p99 passes 1 s (see `ramp`). */
    ramp: { type: "boolean", default: false },
    "ramp-rates": { type: "string", default: "200,400,600,800,1000,1200,1600,2000" },
    "ramp-step": { type: "string", default: "15" },
    /** `seeded`: conversations and tokens seeded; `public`: HTTP sign-in and entry (bench/public-flow.ts). */
    flow: { type: "string", default: "seeded" },
    /** `paced`: at most --concurrency handshakes in flight; `burst`: every socket at once. */
    connect: { type: "string", default: "paced" },
    /** After the run, every socket opened again the same way: the rooms exist now, as when every client reconnects after a network drop. */
    reconnect: { type: "boolean", default: false },
    /** Working hours containing now (`on`) or not (`off`: on-duty staff take new conversations), set through the admin API. */
    "working-hours": { type: "string", default: "on" },
    /** Staff on duty (the first N; default a tenth, at least one). */
    "on-duty": { type: "string" },
    /** Share of one core the server processes under test may use (a slower host); uncapped by default. */
    "cpu-cap": { type: "string" },
    /** Public flow: share of customers entering with a staff code as the QR scene. */
    scene: { type: "string", default: "0.2" },
  },
});
const choice = <T extends string>(name: string, value: string | undefined, allowed: readonly T[]): T => {
  if (allowed.includes(value as T)) return value as T;
  console.error(`--${name} must be one of ${allowed.join(", ")} (got ${value})`);
  process.exit(2);
};
const flow = choice("flow", args.flow, ["seeded", "public"] as const);
const connectMode = choice("connect", args.connect, ["paced", "burst"] as const);
const workingHours = choice("working-hours", args["working-hours"], ["on", "off"] as const);
const customers = Number(args.customers);
const staffCount = Math.min(Number(args.staff), customers);
const intervalMs = Number(args.interval) * 1000;
const durationMs = Number(args.duration) * 1000;
const warmupMs = Number(args.warmup) * 1000;
const staffSockets = Math.min(customers, Number(args["staff-sockets"] ?? 2000));
const onDuty = Math.min(staffCount, Number(args["on-duty"] ?? Math.max(1, Math.ceil(staffCount / 10))));
const sceneShare = Math.min(1, Math.max(0, Number(args.scene)));
const floorMode = choice("floor", args.floor, ["store+check", "store", "bare"] as const);
const cap = cpuCap(args["cpu-cap"] === undefined ? null : Number(args["cpu-cap"]));

const log = (line: string) => console.log(line);

// ---------- file descriptors: the client process and workerd each hold one per socket ----------
const neededFds = customers + staffSockets + staffCount + 2048;
const limit = (flag: string) => Number(spawnSync("sh", ["-c", `ulimit ${flag}`]).stdout.toString().trim()) || 1024;
const [softLimit, hardLimit] = [limit("-n"), limit("-Hn")];
if (softLimit < neededFds && !process.env.KEFU_BENCH_REEXEC) {
  // Root may raise the hard limit too; anyone may raise the soft one up to the hard one.
  const target = Math.max(neededFds, 65536);
  console.log(`raising the open-file limit from ${softLimit} (ulimit -n) for ${customers} customers`);
  const child = spawn("sh", ["-c", `{ ulimit -n ${target} 2>/dev/null || ulimit -n ${hardLimit}; } && exec "$0" "$@"`, process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit",
    env: { ...process.env, KEFU_BENCH_REEXEC: "1" },
  });
  child.on("exit", (code) => process.exit(code ?? 1));
  // The run itself stops what it started (stopAllOnExit); a signal to this wrapper reaches it.
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
} else {
  if (softLimit < neededFds) {
    console.warn(`warning: the open-file limit is ${softLimit} (hard ${hardLimit}), below the ${neededFds} this run needs; lower --staff-sockets`);
  }
  await main();
}

async function main() {
  stopAllOnExit();
  const started = new Date();
  const load0 = loadavg();
  log(`kefu benchmark: ${customers} customers over ${staffCount} staff (${staffSockets} conversations with a staff socket, every staff member on the inbox feed), one message per customer every ${intervalMs / 1000} s, ${warmupMs / 1000} s of warm-up traffic then ${durationMs / 1000} s measured; open-file limit ${softLimit}`);
  log(`flow ${flow}${flow === "public" ? ` (HTTP sign-in and entry, ${Math.round(sceneShare * 100)} % with a staff code scene; staff join conversations from their inbox feed)` : " (seeded conversations and tokens)"}, sockets ${connectMode === "burst" ? "opened in one burst" : `paced, ${args.concurrency} handshakes in flight`}, working hours ${workingHours === "on" ? "now" : "not now"} (${onDuty} of ${staffCount} staff on duty)`);
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load0.map((v) => v.toFixed(2)).join(" ")}`);
  if (cap.share !== null) log(`every server process under test is capped at ${cap.share} of one core (a host ${round(1 / cap.share, 1)}× slower for it); "% of a core" stays a share of a whole core`);

  const common = {
    intervalMs,
    durationMs,
    warmupMs,
    replies: !args["no-replies"],
    connectConcurrency: Number(args.concurrency),
    connectMode,
    connectTimeoutMs: 30_000,
    drainMs: Number(args.drain) * 1000,
    log,
  };
  const pop = await population(customers, staffCount, staffSockets, { seeded: flow === "seeded", onDuty });
  if (args.ramp) return ramp(pop, common);

  // ---------- the real system ----------
  log("\n[1/2] kefu on wrangler dev (workerd, local D1 and Durable Objects)");
  const kefu = await startKefu(pop, { viaProxy: args["via-proxy"], log });
  cap.apply(kefu.workerds);
  let ours: LoadResult;
  let oursProcess: ProcessFigures;
  let stored: { messages: number; duplicates: number };
  let signIn: SignInFigures | null = null;
  let pairs: LoadPair[];
  let reconnect: LoadResult["connect"] | null = null;
  try {
    const t = await kefuTarget(kefu, pop);
    const rss = sampleRss(kefu.workerds);
    const idleRssMb = rss.now();
    const cpu = cpuMeter(kefu.workerds);
    const measured = windowCpu(kefu.workerds);
    ours = await runLoad({ ...common, ...t.load, window: measured });
    oursProcess = { rss: rss.stop(), cpuSeconds: cpu(), windowCpuSeconds: measured.seconds(), idleRssMb, processes: kefu.workerds.length, alive: kefu.workerds.every(isAlive) };
    if (args.reconnect) {
      log(`  every socket again, ${connectMode === "burst" ? "in one burst" : "paced"}, to the rooms that exist now (as every client reconnects after a network drop), then a few seconds of traffic`);
      reconnect = (await runLoad({ ...common, ...t.load, warmupMs: 2_000, durationMs: 5_000, drainMs: 2_000 })).connect;
    }
    stored = await kefu.stored();
    signIn = t.flow?.signIn() ?? null;
    // The relay gets the same conversations (in the public flow, those the rules assigned).
    pairs = typeof t.load.pairs === "function" ? await t.load.pairs() : t.load.pairs;
  } finally {
    await kefu.stop();
  }

  // ---------- the baselines: the bare relay, and the product's floor on workerd ----------
  const measureRelay = async (r: Relay): Promise<{ result: LoadResult; process: ProcessFigures }> => {
    try {
      cap.apply(r.pids);
      const rss = sampleRss(r.pids);
      const idleRssMb = rss.now();
      const cpu = cpuMeter(r.pids);
      const measured = windowCpu(r.pids);
      const result = await runLoad({ ...common, ...relayTarget(r, pop, pairs).load, window: measured });
      return { result, process: { rss: rss.stop(), cpuSeconds: cpu(), windowCpuSeconds: measured.seconds(), idleRssMb, processes: r.pids.length, alive: r.pids.every(isAlive) } };
    } finally {
      await r.stop();
    }
  };
  let relay: LoadResult | null = null;
  let relayProcess: ProcessFigures | null = null;
  let floor: { result: LoadResult; process: ProcessFigures } | null = null;
  if (!args["no-baseline"]) {
    log("\n[2/3] bare ws relay (no persistence, no auth): the machine's ceiling");
    ({ result: relay, process: relayProcess } = await measureRelay(await startRelay()));
  }
  if (!args["no-floor"]) {
    log(`\n[3/3] the floor: the relay as Durable Objects on workerd${floorMode === "bare" ? "" : ", with a SQLite write before each ack"}${floorMode === "store+check" ? " and an HTTP call (the content check's) before each customer message" : ""}`);
    floor = await measureRelay(await startWorkerdRelay(floorMode, log));
  }

  report({ started, load0, ours, oursProcess, stored, signIn, reconnect, relay, relayProcess, floor });
}

type Common = Omit<LoadOptions, TargetKeys>;
type TargetKeys = "pairs" | "urlFor" | "inboxes" | "staffJoinFromInbox";
/** What a run drives: the system's processes and how to reach it. */
type Target = { name: string; pids: number[]; load: Pick<LoadOptions, TargetKeys>; flow?: PublicFlow };

/**
 * Kefu with the settings the run asks for (through the admin API), reached with the seeded
 * tokens or, in the public flow, with staff signed in over HTTP now and customers signed in and
 * entered once the staff are online (the first run's connect phase).
 */
async function kefuTarget(kefu: Kefu, pop: Population): Promise<Target> {
  await applySettings(kefu.baseUrl, workingHours);
  const base = { name: "kefu", pids: kefu.workerds };
  if (flow === "seeded") return { ...base, load: { pairs: pop.pairs, urlFor: kefu.urlFor, inboxes: kefu.feeds } };
  const f = await publicFlow({
    baseUrl: kefu.baseUrl,
    host: kefu.host,
    staffIds: pop.staffIds,
    password: BENCH_STAFF_PASSWORD,
    customers,
    staffSockets,
    sceneShare,
    concurrency: Number(args.concurrency),
    log,
  });
  return { ...base, flow: f, load: { pairs: f.pairs, urlFor: f.urlFor, inboxes: f.feeds, staffJoinFromInbox: true } };
}

/** The relay with the same traffic shape: staff sockets open up front (the relay keeps no history to sync). */
function relayTarget(r: Relay, pop: Population, pairs: LoadPair[], name = "relay"): Target {
  return { name, pids: r.pids, load: { pairs, urlFor: r.urlFor, inboxes: r.feeds(pop.staffIds) } };
}
type Step = { offered: number; delivered: number; c2sP99: number; s2cP99: number; lost: number; cpuBusy: number; cpuMsPerMessage: number };

/**
 * `--ramp`: raises the offered rate (messages per second both ways: customer messages plus the
 * staff replies) step by step, each step a short run of its own, until p99 passes 1 s or
 * messages go undelivered; the saturation rate is the last step that held. Kefu first, then the
 * relay and the floor (bench/workerd-relay) on the same steps.
 */
async function ramp(pop: Population, common: Common) {
  const rates = String(args["ramp-rates"]).split(",").map(Number);
  const stepCommon = { ...common, warmupMs: 5_000, durationMs: Number(args["ramp-step"]) * 1000, drainMs: 5_000, log: () => undefined };
  const runSteps = async (t: Target): Promise<Step[]> => {
    const steps: Step[] = [];
    for (const rate of rates) {
      // Each customer message brings a reply: `rate` both ways is rate / 2 customer messages per second.
      const intervalMs = (customers / (rate / 2)) * 1000;
      const measured = windowCpu(t.pids);
      // Every room's first message of a step falls in its warm-up, as in a plain run: each step opens
      // its sockets anew, and rooms hibernate while the rest connect, so that message wakes them.
      // The first step warms up for --warmup (the cold start of every room), later ones for one
      // and a half intervals at their rate.
      const warmupMs = Math.max(stepCommon.warmupMs, intervalMs * 1.5, steps.length === 0 ? common.warmupMs : 0);
      const r = await runLoad({ ...stepCommon, warmupMs, intervalMs, ...t.load, window: measured });
      const cpuSeconds = measured.seconds();
      const windowS = stepCommon.durationMs / 1000;
      const step = {
        offered: rate,
        delivered: round(r.messagesPerSecond, 1),
        c2sP99: round(r.customerToStaff.p99, 1),
        s2cP99: round(r.staffToCustomer.p99, 1),
        lost: r.lost,
        cpuBusy: round((cpuSeconds / windowS) * 100, 0),
        cpuMsPerMessage: round((cpuSeconds * 1000) / Math.max(1, r.messagesPerSecond * windowS), 3),
      };
      steps.push(step);
      log(`  ${t.name} offered ${rate}/s: delivered ${step.delivered}/s, p99 c→s ${step.c2sP99} ms, s→c ${step.s2cP99} ms, undelivered ${step.lost}, CPU ${step.cpuBusy} % of a core, ${step.cpuMsPerMessage} ms/message`);
      if (!(Math.max(step.c2sP99, step.s2cP99) <= 1000) || step.lost > 0) break;
    }
    return steps;
  };
  const saturation = (steps: Step[]) => steps.filter((s) => Math.max(s.c2sP99, s.s2cP99) <= 1000 && s.lost === 0).at(-1)?.offered ?? 0;

  log(`\n[ramp] kefu, ${customers} customers (${flow} flow), steps of ${args["ramp-step"]} s at ${rates.join(", ")} messages/s (both ways)`);
  const kefu = await startKefu(pop, { viaProxy: args["via-proxy"], log });
  cap.apply(kefu.workerds);
  let ours: Step[];
  let pairs: LoadPair[];
  try {
    const t = await kefuTarget(kefu, pop);
    ours = await runSteps(t);
    pairs = typeof t.load.pairs === "function" ? await t.load.pairs() : t.load.pairs;
  } finally {
    await kefu.stop();
  }
  const relaySteps = async (relay: Relay, name: string): Promise<Step[]> => {
    try {
      cap.apply(relay.pids);
      return await runSteps(relayTarget(relay, pop, pairs, name));
    } finally {
      await relay.stop();
    }
  };
  let theirs: Step[] | null = null;
  if (!args["no-baseline"]) {
    log("\n[ramp] bare ws relay");
    theirs = await relaySteps(await startRelay(), "relay");
  }
  let floor: Step[] | null = null;
  if (!args["no-floor"]) {
    log(`\n[ramp] the floor: the relay on workerd (${floorMode})`);
    floor = await relaySteps(await startWorkerdRelay(floorMode, log), "floor");
  }
  const held = (steps: Step[]) => `${saturation(steps)}${steps.length === rates.length && saturation(steps) === rates.at(-1) ? "+ (never saturated)" : ""}`;
  log(`\nsaturation (last step with p99 ≤ 1 s both ways and nothing undelivered): kefu ${saturation(ours)}${theirs ? `, relay ${held(theirs)}` : ""}${floor ? `, the floor ${held(floor)}` : ""} messages/s; load average at the end ${loadavg().map((v) => v.toFixed(2)).join(" ")}`);
  const dir = join(rootDir, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19)}-ramp-${customers}.json`);
  writeFileSync(file, JSON.stringify({ machine: { cpus: cpus().length, loadAverageAtStart: loadavg() }, params: params(), rates, kefu: ours, relay: theirs, floor: floor && { mode: floorMode, steps: floor }, saturation: { kefu: saturation(ours), relay: theirs && saturation(theirs), floor: floor && saturation(floor) } }, null, 2));
  log(`wrote ${file}`);
}

type ProcessFigures = {
  rss: { peakMb: number; lastMb: number; peakOpenFiles: number };
  cpuSeconds: number;
  /** CPU seconds within the measured window (after the warm-up, before the drain). */
  windowCpuSeconds: number;
  idleRssMb: number;
  processes: number;
  /** Whether every server process was still running at the end. */
  alive: boolean;
};

type Report = {
  started: Date;
  load0: number[];
  ours: LoadResult;
  oursProcess: ProcessFigures;
  stored: { messages: number; duplicates: number };
  signIn: SignInFigures | null;
  /** The second connect phase (--reconnect), kefu only. */
  reconnect: LoadResult["connect"] | null;
  relay: LoadResult | null;
  relayProcess: ProcessFigures | null;
  floor: { result: LoadResult; process: ProcessFigures } | null;
};

function report(r: Report) {
  const { ours, relay } = r;
  const fmt = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? "-" : round(v, d).toString());
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? "-" : `${(a / b).toFixed(2)}×`;
  const rows: (readonly [string, number | undefined, number | undefined, number?])[] = [
    ["sockets open", ours.sockets, relay?.sockets, 0],
    ["handshake failures", ours.connect.failures, relay?.connect.failures, 0],
    ["connect all (s)", ours.connect.wallMs / 1000, relay ? relay.connect.wallMs / 1000 : undefined],
    ...(connectMode === "burst"
      ? ([["burst: socket URLs ready (s)", ours.connect.prepareMs / 1000, relay ? relay.connect.prepareMs / 1000 : undefined, 1]] as const)
      : []),
    ["connect p50 (ms)", ours.connect.p50, relay?.connect.p50],
    ["connect p99 (ms)", ours.connect.p99, relay?.connect.p99],
    ...(r.reconnect
      ? ([
          ["again, rooms existing: handshake failures", r.reconnect.failures, undefined, 0],
          ["again, rooms existing: connect all (s)", r.reconnect.wallMs / 1000, undefined],
          ["again, rooms existing: connect p99 (ms)", r.reconnect.p99, undefined],
        ] as const)
      : []),
    ...(flow === "public"
      ? ([
          ["staff joins from the inbox feed", ours.joins.count, undefined, 0],
          ["staff join p50 (ms)", ours.joins.p50, undefined],
          ["staff join p99 (ms)", ours.joins.p99, undefined],
        ] as const)
      : []),
    ["customer→staff p50 (ms)", ours.customerToStaff.p50, relay?.customerToStaff.p50],
    ["customer→staff p95 (ms)", ours.customerToStaff.p95, relay?.customerToStaff.p95],
    ["customer→staff p99 (ms)", ours.customerToStaff.p99, relay?.customerToStaff.p99],
    ["customer→staff max (ms)", ours.customerToStaff.max, relay?.customerToStaff.max],
    ["customer→inbox feed p50 (ms)", ours.customerToInbox.p50, relay?.customerToInbox.p50],
    ["customer→inbox feed p99 (ms)", ours.customerToInbox.p99, relay?.customerToInbox.p99],
    ["staff→customer p50 (ms)", ours.staffToCustomer.p50, relay?.staffToCustomer.p50],
    ["staff→customer p95 (ms)", ours.staffToCustomer.p95, relay?.staffToCustomer.p95],
    ["staff→customer p99 (ms)", ours.staffToCustomer.p99, relay?.staffToCustomer.p99],
    ["staff→customer max (ms)", ours.staffToCustomer.max, relay?.staffToCustomer.max],
    ["ack p50 (ms)", ours.ack.p50, relay?.ack.p50],
    ["ack p99 (ms)", ours.ack.p99, relay?.ack.p99],
    ["warm-up, both ways p50 (ms)", ours.warmup.p50, relay?.warmup.p50],
    ["warm-up, both ways p99 (ms)", ours.warmup.p99, relay?.warmup.p99],
    ["warm-up, both ways max (ms)", ours.warmup.max, relay?.warmup.max],
    ["messages/s delivered", ours.messagesPerSecond, relay?.messagesPerSecond],
    ["messages sent", ours.sent, relay?.sent, 0],
    ["messages delivered", ours.delivered, relay?.delivered, 0],
    ["undelivered after drain", ours.lost, relay?.lost, 0],
    ["duplicates delivered", ours.duplicates, relay?.duplicates, 0],
    ["error frames", sum(ours.errors), relay ? sum(relay.errors) : undefined, 0],
    ["unexpected closes", ours.unexpectedCloses, relay?.unexpectedCloses, 0],
    ["server processes", r.oursProcess.processes, r.relayProcess?.processes, 0],
    ["server RSS idle (MB)", r.oursProcess.idleRssMb, r.relayProcess?.idleRssMb, 0],
    ["server RSS peak (MB)", r.oursProcess.rss.peakMb, r.relayProcess?.rss.peakMb, 0],
    ["server open files peak", r.oursProcess.rss.peakOpenFiles, r.relayProcess?.rss.peakOpenFiles, 0],
    ["server CPU during run (s)", r.oursProcess.cpuSeconds, r.relayProcess?.cpuSeconds],
    ["measured window: CPU busy (% of a core)", busy(r.oursProcess), r.relayProcess ? busy(r.relayProcess) : undefined, 0],
    ["measured window: CPU/message (ms)", perMessage(r.oursProcess, ours), relay && r.relayProcess ? perMessage(r.relayProcess, relay) : undefined, 3],
  ];
  const w = [40, 20, 16, 10];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(" ");
  console.log(`\n${line(["", "kefu (workerd+D1)", "bare ws relay", "ratio"])}`);
  console.log("-".repeat(w.reduce((a, b) => a + b + 1, 0)));
  for (const [label, a, b, digits] of rows) console.log(line([label, fmt(a, digits ?? 1), fmt(b, digits ?? 1), ratio(a, b)]));
  if (!r.oursProcess.alive) console.log("\nkefu: a workerd process DIED during the run (see open files against the open-file limit)");
  if (r.relayProcess && !r.relayProcess.alive) console.log("\nrelay: the relay process died during the run");
  console.log(`\nD1 after the run: ${r.stored.messages} messages stored, ${r.stored.duplicates} duplicates; ${ours.acked} acks received`);
  console.log(
    `handshakes: kefu ${ours.connect.failures} of ${ours.connect.handshakes} failed${relay ? `, relay ${relay.connect.failures} of ${relay.connect.handshakes}` : ""} (${connectMode === "burst" ? `the inbox feeds, then ${ours.connect.conversationSockets} conversation sockets in one burst` : `paced, ${args.concurrency} in flight`}${flow === "public" ? "; staff sockets opened on the inbox feed count too" : ""})`,
  );
  if (r.signIn) {
    const s = r.signIn;
    const loads = Object.values(s.byStaff);
    console.log(
      `public flow: ${s.attempted - s.failures} of ${s.attempted} customers signed in and entered (${s.failures} failed) in ${(s.wallMs / 1000).toFixed(1)} s, p50 ${round(s.p50, 0)} ms p99 ${round(s.p99, 0)} ms per customer (login + entry), ${s.scenes} with a staff code scene; conversations per staff member ${Math.min(...loads)}–${Math.max(...loads)} over ${loads.length} staff; staff joins ${ours.joins.count}, ${ours.joins.failures} failed`,
    );
    if (s.failures > 0) console.log(`sign-in failures: ${JSON.stringify(s.errors)}`);
  }
  if (Object.keys(ours.errors).length > 0) console.log(`kefu error frames: ${JSON.stringify(ours.errors)}`);
  if (ours.unexpectedCloses > 0) console.log(`kefu unexpected closes: ${JSON.stringify(ours.closes)}; inbox feeds reopened ${ours.feedReconnects} times`);
  if (Object.keys(ours.connect.errors).length > 0) console.log(`kefu connect errors: ${JSON.stringify(ours.connect.errors)}`);
  if (relay && Object.keys(relay.connect.errors).length > 0) console.log(`relay connect errors: ${JSON.stringify(relay.connect.errors)}`);
  console.log(`inbox frames received by staff feeds: ${ours.inboxFrames}${relay ? ` (relay: ${relay.inboxFrames})` : ""}`);
  if (r.floor) {
    const f = r.floor.result;
    const fp = r.floor.process;
    console.log(
      `\nthe floor (the relay on workerd, ${floorMode}): ${round(perMessage(fp, f), 3)} ms CPU/message, ${round(busy(fp), 0)} % of a core, p99 c→s ${round(f.customerToStaff.p99, 1)} ms, s→c ${round(f.staffToCustomer.p99, 1)} ms, ${f.lost} undelivered${fp.alive ? "" : ", a process DIED"}; kefu ${ratio(perMessage(r.oursProcess, ours), perMessage(fp, f))} the floor${relay && r.relayProcess ? `, the floor ${ratio(perMessage(fp, f), perMessage(r.relayProcess, relay))} the bare relay` : ""}`,
    );
  }

  const stamp = r.started.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const dir = join(rootDir, "bench/results");
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${stamp}-${customers}`);
  const { series: oursSeries, ...oursFigures } = ours;
  const figures = ({ series: _s, ...rest }: LoadResult) => rest;
  const relayFigures = relay ? figures(relay) : null;
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        startedAt: r.started.toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: round(totalmem() / 2 ** 30), loadAverageAtStart: r.load0, node: process.version },
        params: params(),
        kefu: { ...oursFigures, process: r.oursProcess, storedInD1: r.stored, signIn: r.signIn, reconnect: r.reconnect },
        relay: relayFigures ? { ...relayFigures, process: r.relayProcess } : null,
        floor: r.floor ? { mode: floorMode, ...figures(r.floor.result), process: r.floor.process } : null,
        series: { kefu: oursSeries, relay: relay?.series ?? null },
      },
      null,
      2,
    ),
  );
  const pts = (s: { t: number; p50: number; p99: number }[], k: "p50" | "p99") => s.map((p) => ({ t: p.t, v: p[k] }));
  writeFileSync(
    `${base}.svg`,
    latencyChart(`End-to-end latency, ${customers} customers / ${staffCount} staff, 1 msg per ${intervalMs / 1000} s each`, [
      { label: "kefu customer→staff p99", color: "#d62728", points: pts(oursSeries.customerToStaff, "p99") },
      { label: "kefu customer→staff p50", color: "#d62728", dashed: true, points: pts(oursSeries.customerToStaff, "p50") },
      { label: "kefu staff→customer p99", color: "#1f77b4", points: pts(oursSeries.staffToCustomer, "p99") },
      ...(relay
        ? [
            { label: "bare relay customer→staff p99", color: "#7f7f7f", points: pts(relay.series.customerToStaff, "p99") },
            { label: "bare relay customer→staff p50", color: "#7f7f7f", dashed: true, points: pts(relay.series.customerToStaff, "p50") },
          ]
        : []),
    ]),
  );
  console.log(`\nwrote ${base}.json and ${base}.svg`);
}

function params() {
  return {
    customers,
    staff: staffCount,
    flow,
    connect: connectMode,
    reconnect: args.reconnect,
    workingHours,
    onDuty,
    sceneShare: flow === "public" ? sceneShare : undefined,
    staffSockets,
    intervalS: intervalMs / 1000,
    warmupS: warmupMs / 1000,
    durationS: durationMs / 1000,
    replies: !args["no-replies"],
    viaDevProxy: args["via-proxy"],
    cpuCap: cap.share,
  };
}

/** Over the measured window: CPU per second, and per message delivered at the window's rate. */
function busy(p: ProcessFigures) {
  return (p.windowCpuSeconds / (durationMs / 1000)) * 100;
}
function perMessage(p: ProcessFigures, r: LoadResult) {
  return (p.windowCpuSeconds * 1000) / Math.max(1, r.messagesPerSecond * (durationMs / 1000));
}

/** CPU seconds of `pids` between the window's open and close. */
function windowCpu(pids: number[]) {
  let meter: (() => number) | null = null;
  let seconds = NaN;
  return {
    open: () => void (meter = cpuMeter(pids)),
    close: () => void (seconds = meter ? meter() : NaN),
    seconds: () => seconds,
  };
}

function sum(m: Record<string, number>) {
  return Object.values(m).reduce((a, b) => a + b, 0);
}
