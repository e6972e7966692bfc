// `npm run bench [-- --customers 1000 --staff 50 --interval 10 --warmup 20 --duration 60]`
// Starts the real system (wrangler dev: workerd with local D1, R2 and Durable Objects) on a
// fresh state directory, seeds staff, customers and their open conversations, opens a customer
// and a staff socket per conversation and an inbox socket per staff member, and runs the
// traffic: every customer sends one message per interval and the staff socket answers each.
// Latencies are measured after a warm-up (every room's first message, a cold start of the whole
// system at once, falls in it), and the warm-up's own are reported apart.
// Then the same traffic against a bare `ws` relay (no persistence, no auth): the machine's
// ceiling. Prints a table with our figures as ratios to the relay's, and writes
// bench/results/<stamp>-<customers>.json and .svg (latency over time). Everything stays on
// 127.0.0.1 and every phase is bounded in time.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { conversationsSql, customersSql, loadStaffSql, mintSocketTicket, newConversationId } from "../scripts/fixtures";
import { openLocalD1, selectAll } from "../scripts/local-d1";
import { freePort } from "../scripts/system";
import { rootDir } from "../scripts/wrangler";
import { FAKE_APPID, FAKE_SECRET } from "../fake-wechat/server";
import { startTsxChild } from "./child";
import { snapshotTree, systemOf } from "./snapshot";
import { latencyChart } from "./chart";
import { type LoadPair, type LoadResult, runLoad } from "./load";
import { cpuMeter, findWorkerds, listeningPorts, sampleRss } from "./process-stats";
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
    "no-replies": { type: "boolean", default: false },
    "via-proxy": { type: "boolean", default: false },
  },
});
const customers = Number(args.customers);
const staffCount = Math.min(Number(args.staff), customers);
const intervalMs = Number(args.interval) * 1000;
const durationMs = Number(args.duration) * 1000;
const warmupMs = Number(args.warmup) * 1000;
const staffSockets = Math.min(customers, Number(args["staff-sockets"] ?? 2000));

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
} else {
  if (softLimit < neededFds) {
    console.warn(`warning: the open-file limit is ${softLimit} (hard ${hardLimit}), below the ${neededFds} this run needs; lower --staff-sockets`);
  }
  await main();
}

async function main() {
  const secret = `bench-${crypto.randomUUID()}`;
  const started = new Date();
  const load0 = loadavg();
  log(`kefu benchmark: ${customers} customers over ${staffCount} staff (${staffSockets} conversations with a staff socket, every staff member on the inbox feed), one message per customer every ${intervalMs / 1000} s, ${warmupMs / 1000} s of warm-up traffic then ${durationMs / 1000} s measured; open-file limit ${softLimit}`);
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load0.map((v) => v.toFixed(2)).join(" ")}`);

  const common = {
    intervalMs,
    durationMs,
    warmupMs,
    replies: !args["no-replies"],
    connectConcurrency: Number(args.concurrency),
    connectTimeoutMs: 30_000,
    drainMs: Number(args.drain) * 1000,
    log,
  };

  // ---------- the real system ----------
  log("\n[1/2] kefu on wrangler dev (workerd, local D1 and Durable Objects)");
  const staff = await loadStaffSql(staffCount);
  const pairs: (LoadPair & { staffId: string; customerId: string })[] = [];
  for (let i = 0; i < customers; i++) {
    const customerId = `u_load${String(i).padStart(6, "0")}`;
    const staffId = staff.ids[i % staffCount];
    pairs.push({ conversationId: newConversationId(), customerId, staffId, customerToken: "", staffToken: "", staffSocket: i < staffSockets });
  }
  const staffTokens = new Map(await Promise.all(staff.ids.map(async (id) => [id, await mintSocketTicket(secret, id, "staff")] as const)));
  for (const p of pairs) {
    p.customerToken = await mintSocketTicket(secret, p.customerId, "customer");
    p.staffToken = staffTokens.get(p.staffId)!;
  }
  const seedSql = [
    staff.sql,
    customersSql(pairs.map((p) => ({ id: p.customerId }))),
    conversationsSql(pairs.map((p) => ({ id: p.conversationId, customerId: p.customerId, staffId: p.staffId, status: "active" }))),
  ].join("\n");

  // The fake WeChat API answers every customer message's content check: its own process.
  const { child: wechatChild, match: wechatUrl } = await startTsxChild(
    join(rootDir, "fake-wechat/server.ts"),
    ["--port", String(await freePort()), "--appid", FAKE_APPID, "--secret", FAKE_SECRET],
    /listening on (\S+)/,
  );
  const wechat = { url: wechatUrl[1], appid: FAKE_APPID, secret: FAKE_SECRET };
  const persistTo = mkdtempSync(join(tmpdir(), "kefu-bench-"));
  const seedStart = Date.now();
  const snapshot = snapshotTree();
  const { startSystem } = await systemOf(snapshot);
  const system = await startSystem({
    persistTo,
    wechatBaseUrl: wechat.url,
    extraSql: seedSql,
    vars: {
      TOKEN_SECRET: secret,
      WECHAT_SECRET: wechat.secret,
      WECHAT_APPID: wechat.appid,
      // Every socket comes from 127.0.0.1: lift the per-IP upgrade limit; the limiter still runs.
      RATE_LIMITS: "socket_ip=10000000/60,login_ip=10000000/60,sockets_identity=off",
    },
  });
  const serverLog = join(persistTo, "wrangler.log");
  const logStream = createWriteStream(serverLog);
  system.process.stdout?.pipe(logStream);
  system.process.stderr?.pipe(logStream);
  log(`  seeded and started in ${((Date.now() - seedStart) / 1000).toFixed(1)} s from a snapshot of the tree (${snapshot}), state in ${persistTo}, server output in ${serverLog}`);
  let ours: LoadResult;
  let oursProcess: ProcessFigures;
  let stored: { messages: number; duplicates: number };
  try {
    const workerds = findWorkerds(system.process.pid!);
    if (workerds.length === 0) throw new Error("workerd process not found under wrangler dev");
    const rss = sampleRss(workerds);
    const idleRssMb = rss.now();
    const cpu = cpuMeter(workerds);
    const host = `127.0.0.1:${args["via-proxy"] ? system.port : await runtimePort(workerds, system.port)}`;
    log(`  sockets go to ${host}${args["via-proxy"] ? " (wrangler's dev proxy)" : " (the runtime's own port, past wrangler's dev-only proxy)"}`);
    ours = await runLoad({
      ...common,
      pairs,
      urlFor: (party, p) => `ws://${host}/parties/conversation-room/${p.conversationId}?ticket=${party === "customer" ? p.customerToken : p.staffToken}`,
      inboxes: staff.ids.map((id) => `ws://${host}/parties/staff-room/${id}?ticket=${staffTokens.get(id)}`),
    });
    oursProcess = { rss: rss.stop(), cpuSeconds: cpu(), idleRssMb, processes: workerds.length, alive: workerds.every(isAlive) };
    const db = openLocalD1(persistTo);
    const [row] = await selectAll<{ n: number; distinct_ids: number }>(db, "SELECT count(*) AS n, count(DISTINCT conversation_id || ':' || client_id) AS distinct_ids FROM messages");
    db.close();
    stored = { messages: row.n, duplicates: row.n - row.distinct_ids };
  } finally {
    await system.stop();
    wechatChild.kill("SIGTERM");
  }

  // ---------- the bare relay ----------
  let relay: LoadResult | null = null;
  let relayProcess: ProcessFigures | null = null;
  if (!args["no-baseline"]) {
    log("\n[2/2] bare ws relay (no persistence, no auth): the machine's ceiling");
    const { child, match } = await startTsxChild(join(rootDir, "bench/relay.ts"), [], /"port":(\d+)/);
    try {
      const port = Number(match[1]);
      const rss = sampleRss([child.pid!]);
      const idleRssMb = rss.now();
      const cpu = cpuMeter([child.pid!]);
      relay = await runLoad({
        ...common,
        pairs,
        urlFor: (party, p) => `ws://127.0.0.1:${port}/room/${p.conversationId}?party=${party}&staff=${p.staffId}`,
        inboxes: staff.ids.map((id) => `ws://127.0.0.1:${port}/inbox/${id}`),
      });
      relayProcess = { rss: rss.stop(), cpuSeconds: cpu(), idleRssMb, processes: 1, alive: child.exitCode === null };
    } finally {
      child.kill("SIGTERM");
    }
  }

  report({ started, load0, ours, oursProcess, stored, relay, relayProcess });
}

type ProcessFigures = {
  rss: { peakMb: number; lastMb: number; peakOpenFiles: number };
  cpuSeconds: number;
  idleRssMb: number;
  processes: number;
  /** Whether every server process was still running at the end. */
  alive: boolean;
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * wrangler dev puts a dev-only proxy workerd (live reload, request buffering) in front of the
 * runtime workerd; production has nothing like it. The runtime's own entry port is the one of
 * its listening ports, other than the public one, that answers /api/health.
 */
async function runtimePort(workerds: number[], publicPort: number): Promise<number> {
  for (const port of listeningPorts(workerds)) {
    if (port === publicPort) continue;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(5000) });
      if (res.ok && ((await res.json()) as { ok?: unknown }).ok === true) return port;
    } catch {
      // not an HTTP entry
    }
  }
  log("  the runtime's own port was not found; going through the dev proxy");
  return publicPort;
}

type Report = {
  started: Date;
  load0: number[];
  ours: LoadResult;
  oursProcess: ProcessFigures;
  stored: { messages: number; duplicates: number };
  relay: LoadResult | null;
  relayProcess: ProcessFigures | null;
};

function report(r: Report) {
  const { ours, relay } = r;
  const fmt = (v: number | undefined, d = 1) => (v === undefined || !Number.isFinite(v) ? "-" : round(v, d).toString());
  const ratio = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0 ? "-" : `${(a / b).toFixed(2)}×`;
  const rows: [string, number | undefined, number | undefined, number?][] = [
    ["sockets open", ours.sockets, relay?.sockets, 0],
    ["connect failures", ours.connect.failures, relay?.connect.failures, 0],
    ["connect all (s)", ours.connect.wallMs / 1000, relay ? relay.connect.wallMs / 1000 : undefined],
    ["connect p50 (ms)", ours.connect.p50, relay?.connect.p50],
    ["connect p99 (ms)", ours.connect.p99, relay?.connect.p99],
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
  ];
  const w = [28, 20, 16, 10];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join(" ");
  console.log(`\n${line(["", "kefu (workerd+D1)", "bare ws relay", "ratio"])}`);
  console.log("-".repeat(w.reduce((a, b) => a + b + 1, 0)));
  for (const [label, a, b, digits] of rows) console.log(line([label, fmt(a, digits ?? 1), fmt(b, digits ?? 1), ratio(a, b)]));
  if (!r.oursProcess.alive) console.log("\nkefu: a workerd process DIED during the run (see open files against the open-file limit)");
  if (r.relayProcess && !r.relayProcess.alive) console.log("\nrelay: the relay process died during the run");
  console.log(`\nD1 after the run: ${r.stored.messages} messages stored, ${r.stored.duplicates} duplicates; ${ours.acked} acks received`);
  if (Object.keys(ours.errors).length > 0) console.log(`kefu error frames: ${JSON.stringify(ours.errors)}`);
  if (Object.keys(ours.connect.errors).length > 0) console.log(`kefu connect errors: ${JSON.stringify(ours.connect.errors)}`);
  if (relay && Object.keys(relay.connect.errors).length > 0) console.log(`relay connect errors: ${JSON.stringify(relay.connect.errors)}`);
  console.log(`inbox frames received by staff feeds: ${ours.inboxFrames}${relay ? ` (relay: ${relay.inboxFrames})` : ""}`);

  const stamp = r.started.toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const dir = join(rootDir, "bench/results");
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${stamp}-${customers}`);
  const { series: oursSeries, ...oursFigures } = ours;
  const relayFigures = relay ? (({ series: _s, ...rest }) => rest)(relay) : null;
  writeFileSync(
    `${base}.json`,
    JSON.stringify(
      {
        startedAt: r.started.toISOString(),
        machine: { cpus: cpus().length, model: cpus()[0]?.model, memGiB: round(totalmem() / 2 ** 30), loadAverageAtStart: r.load0, node: process.version },
        params: { customers, staff: staffCount, intervalS: intervalMs / 1000, warmupS: warmupMs / 1000, durationS: durationMs / 1000, replies: !args["no-replies"], viaDevProxy: args["via-proxy"] },
        kefu: { ...oursFigures, process: r.oursProcess, storedInD1: r.stored },
        relay: relayFigures ? { ...relayFigures, process: r.relayProcess } : null,
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

function sum(m: Record<string, number>) {
  return Object.values(m).reduce((a, b) => a + b, 0);
}
