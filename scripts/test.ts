// `npm test`: runs the tiers in order and stops at the first that fails, printing each one's time.
//   unit        test/unit/*.test.ts: pure logic, no server (seconds)
//   typecheck   every TypeScript project (the projects at once; alongside the build, which
//               needs no type information: esbuild strips types)
//   build       the browser apps, and one migrated, seeded state for the end-to-end files
//   end to end  test/*.test.ts: each file starts `wrangler dev` (workerd, local D1/R2/Durable
//               Objects) on a copy of that state
// `npm test -- name…` runs only the test files whose names contain one of the arguments.
// KEFU_TEST_CONCURRENCY sets how many end-to-end files run at once.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAssets } from "./build-assets";
import { buildSeededState } from "./system";
import { rootDir } from "./wrangler";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
/** The seeded state the end-to-end files copy (KEFU_TEST_TEMPLATE, see scripts/system.ts seededTemplate). */
let template: string | undefined;
const only = process.argv.slice(2);
const timings: [string, number][] = [];

class Failed extends Error {
  constructor(readonly status: number) {
    super(`exit status ${status}`);
  }
}

function run(cmd: string, args: string[], extraEnv: Record<string, string | undefined> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: rootDir, stdio: "inherit", env: { ...env, ...extraEnv } });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Failed(code ?? 1))));
  });
}

function report() {
  for (const [name, ms] of timings) console.log(`tier ${name.padEnd(12)} ${(ms / 1000).toFixed(1).padStart(7)} s`);
}

async function tier(name: string, body: () => Promise<unknown>) {
  const start = performance.now();
  console.log(`\n=== ${name} ===`);
  try {
    await body();
  } finally {
    timings.push([name, performance.now() - start]);
  }
}

function testFiles(dir: string): string[] {
  if (!existsSync(join(rootDir, dir))) return [];
  return readdirSync(join(rootDir, dir))
    .filter((f) => f.endsWith(".test.ts"))
    .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
    .sort()
    .map((f) => join(dir, f));
}

const nodeTest = (files: string[], concurrency: number, extraEnv?: Record<string, string | undefined>) =>
  // --test-force-exit: a file whose test failed halfway can leave a page's socket reconnecting;
  // its after hooks still stop its system, and the run must end rather than wait on it.
  run(process.execPath, ["--import", "tsx", "--test", "--test-force-exit", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files], extraEnv);

try {
  const unit = testFiles("test/unit");
  if (unit.length > 0) await tier("unit", () => nodeTest(unit, 2));

  const tsc = join(rootDir, "node_modules/typescript/bin/tsc");
  const projects = ["tsconfig.json", "miniprogram/tsconfig.json"].filter((p) => existsSync(join(rootDir, p)));
  const e2e = testFiles("test");
  await Promise.all([
    tier("typecheck", () => Promise.all(projects.map((p) => run(process.execPath, [tsc, "--noEmit", "-p", p])))),
    e2e.length > 0 &&
      tier("build", async () => {
        await buildAssets();
        template = await buildSeededState(join(mkdtempSync(join(tmpdir(), "kefu-run-")), "state"));
      }),
  ]);

  if (e2e.length > 0) {
    try {
      // Most of an end-to-end file's time is spent waiting on sockets and workerd, not computing.
      await tier("end to end", () =>
        nodeTest(e2e, Number(process.env.KEFU_TEST_CONCURRENCY) || 3, { KEFU_TEST_TEMPLATE: template, KEFU_ASSETS_BUILT: "1" }),
      );
    } finally {
      rmSync(join(template!, ".."), { recursive: true, force: true });
    }
  }
} catch (error) {
  if (!(error instanceof Failed)) throw error;
  process.exitCode = error.status;
} finally {
  report();
}
