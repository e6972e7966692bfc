// Starts the whole system locally: migrations, seed, and `wrangler dev` (workerd with local
// D1, R2 and Durable Objects). Used by `npm start`, the tests and the benchmarks.
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoDataSql } from "./demo-data";
import { demoSeedSql } from "./seed";
import { executeLocalD1, queryJson } from "./local-d1";
import { applyMigrations, rootDir, wranglerEnv } from "./wrangler";

const devServer = join(rootDir, "scripts/dev-server.ts");

export type SystemOptions = {
  persistTo: string;
  wechatBaseUrl: string;
  port?: number;
  /** Extra `--var` values (TOKEN_SECRET, ALLOW_GUEST, …). */
  vars?: Record<string, string>;
  /** SQL run after the demo seed (test fixtures). */
  extraSql?: string;
  /** On an empty database, also seed the bulk demo data (npm start only; tests keep the small seed). */
  demo?: boolean;
  /** Pipe wrangler's output to this process. */
  inheritOutput?: boolean;
  /** Turn on the DevTools inspector on this port (off by default: see scripts/dev-server.ts). */
  inspect?: number;
  /** Another wrangler config than the product's (the benchmark's workerd relay). */
  config?: string;
};

export type RunningSystem = { url: string; port: number; persistTo: string; process: ChildProcess; stop(): Promise<void> };

const PORTS = { from: 20_000, to: 32_000 };

/**
 * A port for a server started later (wrangler binds it seconds after this returns), taken below
 * the kernel's ephemeral range (32768–60999 on Linux): a port of that range, once released, can
 * become the local port of any of the thousands of client sockets a test run opens, and workerd
 * then failed to bind it and wrangler hung ("Address already in use", a whole test file lost).
 */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = PORTS.from + Math.floor(Math.random() * (PORTS.to - PORTS.from));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${PORTS.from}–${PORTS.to}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/**
 * Applies migrations (through wrangler, which creates the local D1 file); seeds the demo data
 * only when there are no staff yet. Seed and extra SQL go straight into the SQLite file: nothing
 * else has it open yet. Returns whether it seeded.
 */
export async function prepareDatabase(persistTo: string, extraSql?: string, demo = false): Promise<boolean> {
  await applyMigrations(persistTo);
  const [{ n }] = await queryJson<{ n: number }>(persistTo, "SELECT count(*) AS n FROM staff");
  const seeded = n === 0;
  if (seeded) await executeLocalD1(persistTo, await demoSeedSql());
  if (seeded && demo) await executeLocalD1(persistTo, demoDataSql());
  if (extraSql) await executeLocalD1(persistTo, extraSql);
  return seeded;
}

/** Builds a migrated and seeded state directory at `dir`. */
export async function buildSeededState(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await prepareDatabase(dir);
  return dir;
}

let ownTemplate: Promise<string> | undefined;

/**
 * A migrated and seeded state directory to copy from: the one `npm test` built for the whole run
 * (KEFU_TEST_TEMPLATE), or else one built once by this process.
 */
export function seededTemplate(): Promise<string> {
  const shared = process.env.KEFU_TEST_TEMPLATE;
  if (shared && existsSync(shared)) return Promise.resolve(shared);
  if (!ownTemplate) {
    const dir = mkdtempSync(join(tmpdir(), "kefu-template-"));
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    ownTemplate = buildSeededState(join(dir, "state"));
  }
  return ownTemplate;
}

/** A fresh state directory at `persistTo`: a copy of the seeded template, plus `extraSql`. */
export async function prepareFromTemplate(persistTo: string, extraSql?: string): Promise<void> {
  cpSync(await seededTemplate(), persistTo, { recursive: true });
  if (extraSql) await executeLocalD1(persistTo, extraSql);
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not become healthy in ${timeoutMs} ms:\n${output()}`);
}

export async function startWorker(opts: SystemOptions): Promise<RunningSystem> {
  const port = opts.port ?? (await freePort());
  const vars = { WECHAT_API_BASE: opts.wechatBaseUrl, ...opts.vars };
  const inspect = opts.inspect ?? (Number(process.env.KEFU_INSPECT_PORT) || undefined);
  const args = [
    "--import",
    "tsx",
    devServer,
    "--port",
    String(port),
    "--persist-to",
    opts.persistTo,
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    // KEFU_INSPECT_PORT: DevTools for any system a test or benchmark starts.
    ...(inspect ? ["--inspect", String(inspect)] : []),
    ...(opts.config ? ["--config", opts.config] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: rootDir,
    env: wranglerEnv,
    // KEFU_WRANGLER_LOGS=1 shows a test's workerd logs (console.error of the Worker and rooms).
    stdio: opts.inheritOutput || process.env.KEFU_WRANGLER_LOGS === "1" ? "inherit" : "pipe",
    detached: true,
  });
  let output = "";
  child.stdout?.on("data", (d) => (output = (output + d).slice(-20_000)));
  child.stderr?.on("data", (d) => (output = (output + d).slice(-20_000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        resolve();
      }
      setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5000).unref();
    });
  try {
    await waitForHealth(url, child, () => output);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port, persistTo: opts.persistTo, process: child, stop };
}

export async function startSystem(opts: SystemOptions): Promise<RunningSystem & { seeded: boolean }> {
  const seeded = await prepareDatabase(opts.persistTo, opts.extraSql, opts.demo);
  return { ...(await startWorker(opts)), seeded };
}
