// What the benchmarks share: the seeded population (staff, customers, their open conversations,
// tokens) and the real system started on it (wrangler dev from a snapshot of the tree, the fake
// WeChat API in a process of its own, sockets aimed at the runtime's own port).
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { conversationsSql, customersSql, fixtureOpenid, loadStaffSql, mintSocketTicket, newConversationId } from "../scripts/fixtures";
import { openLocalD1, selectAll } from "../scripts/local-d1";
import { freePort, type RunningSystem } from "../scripts/system";
import { rootDir } from "../scripts/wrangler";
import { FAKE_APPID, FAKE_SECRET } from "../fake-wechat/server";
import { startTsxChild } from "./child";
import type { Feed, LoadPair } from "./load";
import { findWorkerds, listeningPorts } from "./process-stats";
import { snapshotTree, systemOf } from "./snapshot";

/** What this process started and has not stopped yet: the system runs in a process group of its own and outlives a crash. */
const running = new Set<() => unknown>();
const started = <T extends () => unknown>(stop: T): T => {
  const once = (() => {
    running.delete(once);
    return stop();
  }) as T;
  running.add(once);
  return once;
};

/**
 * A run that is interrupted (Ctrl-C, SIGTERM) or dies of an error it did not catch still stops
 * the system, the fake WeChat API and the relay it started, then exits with 1.
 */
export function stopAllOnExit() {
  let stopping = false;
  const bail = (why: unknown) => {
    if (stopping) return;
    stopping = true;
    console.error(`\nstopping what the run started: ${why instanceof Error ? (why.stack ?? why.message) : String(why)}`);
    const deadline = new Promise((resolve) => setTimeout(resolve, 15_000).unref());
    void Promise.race([Promise.allSettled([...running].map(async (stop) => stop())), deadline]).then(() => process.exit(1));
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => bail(signal));
  process.on("uncaughtException", bail);
  process.on("unhandledRejection", bail);
}

export type BenchPair = LoadPair & { staffId: string; customerId: string };
export type Population = { secret: string; staffIds: string[]; staffTokens: Map<string, string>; pairs: BenchPair[]; seedSql: string };

/** The bench staff's password (scripts/fixtures.ts loadStaffSql). */
export const BENCH_STAFF_PASSWORD = "demo123";

/**
 * `customers` conversations over `staffCount` staff; the first `staffSockets` get a staff socket
 * in the room. With `seeded: false` (the public flow) only the staff are seeded: customers sign
 * in and enter over HTTP, and the demo seed's staff are disabled so that the assignment rules
 * choose among the bench's. The first `onDuty` staff (default all) are on duty.
 */
export async function population(customers: number, staffCount: number, staffSockets: number, o: { seeded?: boolean; onDuty?: number } = {}): Promise<Population> {
  const secret = `bench-${crypto.randomUUID()}`;
  const staff = await loadStaffSql(staffCount);
  const staffTokens = new Map(await Promise.all(staff.ids.map(async (id) => [id, await mintSocketTicket(secret, id, "staff")] as const)));
  const offDuty = staff.ids.slice(Math.max(1, o.onDuty ?? staffCount));
  const staffSql = [
    staff.sql,
    offDuty.length ? `UPDATE staff SET is_on_duty = 0 WHERE id IN (${offDuty.map((id) => `'${id}'`).join(", ")});` : "",
  ];
  if (o.seeded === false) {
    const seedSql = [...staffSql, "UPDATE staff SET disabled = 1 WHERE id NOT LIKE 's_load%' AND role != 'admin';"].join("\n");
    return { secret, staffIds: staff.ids, staffTokens, pairs: [], seedSql };
  }
  const pairs: BenchPair[] = [];
  for (let i = 0; i < customers; i++) {
    const customerId = `u_load${String(i).padStart(6, "0")}`;
    const staffId = staff.ids[i % staffCount];
    pairs.push({ conversationId: newConversationId(), customerId, staffId, customerToken: "", staffToken: "", staffSocket: i < staffSockets });
  }
  for (const p of pairs) {
    p.customerToken = await mintSocketTicket(secret, p.customerId, "customer");
    p.staffToken = staffTokens.get(p.staffId)!;
  }
  const seedSql = [
    ...staffSql,
    customersSql(pairs.map((p) => ({ id: p.customerId }))),
    conversationsSql(pairs.map((p) => ({ id: p.conversationId, customerId: p.customerId, staffId: p.staffId, status: "active" }))),
  ].join("\n");
  return { secret, staffIds: staff.ids, staffTokens, pairs, seedSql };
}

export type Kefu = {
  system: RunningSystem;
  persistTo: string;
  serverLog: string;
  workerds: number[];
  /** host:port the sockets and the benchmark's HTTP calls go to. */
  host: string;
  baseUrl: string;
  urlFor(party: "customer" | "staff", p: LoadPair): string;
  inboxes: string[];
  /** The same inbox URLs as the load generator's feeds. */
  feeds: Feed[];
  /** Messages in D1 and how many of them are duplicates. */
  stored(): Promise<{ messages: number; duplicates: number }>;
  stop(): Promise<void>;
};

export async function startKefu(pop: Population, o: { viaProxy?: boolean; vars?: Record<string, string>; log: (line: string) => void }): Promise<Kefu> {
  // The fake WeChat API answers every customer message's content check: its own process. Its quota
  // (4,000 checks a minute) is lifted: the benchmark measures the cost of checking every message,
  // which WeChat allows up to about 66 customer texts a second (README, "Capacity").
  const { child: wechatChild, match: wechatUrl } = await startFakeWechat();
  // The seeded customers opened the mini program just now, so WeChat checks their text (43104 otherwise).
  const visits = await fetch(`${wechatUrl[1]}/__fake/visits`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ openids: pop.pairs.map((p) => fixtureOpenid(p.customerId)) }),
  });
  if (!visits.ok) throw new Error(`fake WeChat refused the visits: ${await visits.text()}`);
  const persistTo = mkdtempSync(join(tmpdir(), "kefu-bench-"));
  const seedStart = Date.now();
  const snapshot = snapshotTree();
  const { startSystem } = await systemOf(snapshot);
  let system: RunningSystem;
  try {
    system = await startSystem({
      persistTo,
      wechatBaseUrl: wechatUrl[1],
      extraSql: pop.seedSql,
      vars: {
        TOKEN_SECRET: pop.secret,
        WECHAT_SECRET: FAKE_SECRET,
        WECHAT_APPID: FAKE_APPID,
        // Every socket comes from 127.0.0.1: lift the per-IP upgrade limit; the limiter still runs.
        // A bench staff member holds a socket in each of their conversations (hundreds in the
        // few-staff shape), where a person's workbench opens the one they look at: lift the
        // per-identity upgrade and open-socket limits too.
        RATE_LIMITS: "socket_ip=10000000/60,login_ip=10000000/60,socket_token=10000000/60,sockets_identity=off",
        ...o.vars,
      },
    });
  } catch (error) {
    wechatChild.kill("SIGTERM");
    rmSync(snapshot, { recursive: true, force: true });
    throw error;
  }
  const stop = started(async () => {
    await system.stop();
    wechatChild.kill("SIGTERM");
    rmSync(snapshot, { recursive: true, force: true });
  });
  try {
    const serverLog = join(persistTo, "wrangler.log");
    const logStream = createWriteStream(serverLog);
    system.process.stdout?.pipe(logStream);
    system.process.stderr?.pipe(logStream);
    o.log(`  seeded and started in ${((Date.now() - seedStart) / 1000).toFixed(1)} s from a snapshot of the tree (${snapshot}), state in ${persistTo}, server output in ${serverLog}`);
    const workerds = findWorkerds(system.process.pid!);
    if (workerds.length === 0) throw new Error("workerd process not found under wrangler dev");
    const host = `127.0.0.1:${o.viaProxy ? system.port : await runtimePort(workerds, system.port, o.log)}`;
    const inboxes = pop.staffIds.map((id) => `ws://${host}/parties/staff-room/${id}?ticket=${pop.staffTokens.get(id)}`);
    o.log(`  sockets go to ${host}${o.viaProxy ? " (wrangler's dev proxy)" : " (the runtime's own port, past wrangler's dev-only proxy)"}`);
    return {
      system,
      persistTo,
      serverLog,
      workerds,
      host,
      baseUrl: `http://${host}`,
      urlFor: (party, p) => `ws://${host}/parties/conversation-room/${p.conversationId}?ticket=${party === "customer" ? p.customerToken : p.staffToken}`,
      inboxes,
      feeds: pop.staffIds.map((staffId, i) => ({ staffId, url: () => inboxes[i] })),
      async stored() {
        const db = openLocalD1(persistTo);
        try {
          const [row] = await selectAll<{ n: number; distinct_ids: number }>(db, "SELECT count(*) AS n, count(DISTINCT conversation_id || ':' || client_id) AS distinct_ids FROM messages");
          return { messages: row.n, duplicates: row.n - row.distinct_ids };
        } finally {
          db.close();
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * wrangler dev puts a dev-only proxy workerd (live reload, request buffering) in front of the
 * runtime workerd; production has nothing like it. The runtime's own entry port is the one of
 * its listening ports, other than the public one, that answers /api/health.
 */
async function runtimePort(workerds: number[], publicPort: number, log: (line: string) => void): Promise<number> {
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

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export type Relay = {
  pids: number[];
  urlFor: (party: "customer" | "staff", p: LoadPair) => string;
  feeds: (staffIds: string[]) => Feed[];
  stop: () => unknown;
};

/** The bare ws relay (bench/relay.ts) in a process of its own. */
export async function startRelay(): Promise<Relay> {
  const { child, match } = await startTsxChild(join(rootDir, "bench/relay.ts"), [], /"port":(\d+)/);
  const port = Number(match[1]);
  return {
    pids: [child.pid!],
    urlFor: (party: "customer" | "staff", p: LoadPair) => `ws://127.0.0.1:${port}/room/${p.conversationId}?party=${party}&staff=${p.staffId}`,
    feeds: (staffIds: string[]): Feed[] => staffIds.map((staffId) => ({ staffId, url: () => `ws://127.0.0.1:${port}/inbox/${staffId}` })),
    stop: started(() => child.kill("SIGTERM")),
  };
}

async function startFakeWechat() {
  return startTsxChild(join(rootDir, "fake-wechat/server.ts"), ["--port", String(await freePort()), "--appid", FAKE_APPID, "--secret", FAKE_SECRET, "--no-quota"], /listening on (\S+)/);
}

/** What the workerd relay adds to each message (bench/workerd-relay/worker.ts). */
export type WorkerdRelayMode = "bare" | "store" | "store+check";

/**
 * The same relay as Durable Objects on kefu's runtime (bench/workerd-relay): what workerd itself
 * costs per message (sockets, actor events, an RPC), apart from what kefu does.
 */
export async function startWorkerdRelay(mode: WorkerdRelayMode, log: (line: string) => void): Promise<Relay> {
  const persistTo = mkdtempSync(join(tmpdir(), "kefu-workerd-relay-"));
  // The check's HTTP call goes to the fake WeChat API, which answers it (an invalid-token error: the same round trip).
  const wechat = mode === "store+check" ? await startFakeWechat() : null;
  const vars: Record<string, string> = mode === "bare" ? {} : { RELAY_STORE: "1" };
  if (wechat) vars.RELAY_CHECK_URL = `${wechat.match[1]}/wxa/msg_sec_check?access_token=bench`;
  const { startWorker } = await import("../scripts/system");
  const system = await startWorker({ persistTo, wechatBaseUrl: "http://127.0.0.1:9", config: join(rootDir, "bench/workerd-relay/wrangler.toml"), vars }).catch((error) => {
    wechat?.child.kill("SIGTERM");
    throw error;
  });
  const stop = started(async () => {
    await system.stop();
    wechat?.child.kill("SIGTERM");
    rmSync(persistTo, { recursive: true, force: true });
  });
  try {
    const pids = findWorkerds(system.process.pid!);
    const base = `ws://127.0.0.1:${await runtimePort(pids, system.port, log)}`;
    return {
      pids,
      urlFor: (party, p) => `${base}/room/${p.conversationId}?party=${party}&staff=${p.staffId}`,
      feeds: (staffIds) => staffIds.map((staffId) => ({ staffId, url: () => `${base}/inbox/${staffId}` })),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
