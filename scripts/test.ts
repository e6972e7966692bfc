// `npm test`: runs the tiers in order and stops at the first that fails, printing each one's time.
//   unit        test/unit/*.test.ts: pure logic, no server (seconds)
//   typecheck   every TypeScript project
//   end to end  test/*.test.ts: each file starts `wrangler dev` (workerd, local D1/R2/Durable
//               Objects) on a copy of one migrated, seeded state built here once for the run
// `npm test -- name…` runs only the test files whose names contain one of the arguments.
// KEFU_TEST_CONCURRENCY sets how many end-to-end files run at once.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildAssets } from "./build-assets";
import { buildSeededState } from "./system";
import { rootDir } from "./wrangler";

const env = { ...process.env, WRANGLER_SEND_METRICS: "false" };
/** The seeded state directory the end-to-end files copy (scripts/system.ts seededTemplate). */
let template: string | undefined;
const only = process.argv.slice(2);
const timings: [string, number][] = [];

class Failed extends Error {
  constructor(readonly status: number) {
    super(`exit status ${status}`);
  }
}

function run(cmd: string, args: string[]) {
  const result = spawnSync(cmd, args, { cwd: rootDir, stdio: "inherit", env: { ...env, KEFU_TEST_TEMPLATE: template } });
  if (result.status !== 0) throw new Failed(result.status ?? 1);
}

function report() {
  for (const [name, ms] of timings) console.log(`tier ${name.padEnd(12)} ${(ms / 1000).toFixed(1).padStart(7)} s`);
}

async function tier(name: string, body: () => void | Promise<void>) {
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

const nodeTest = (files: string[], concurrency: number) =>
  run(process.execPath, ["--import", "tsx", "--test", `--test-concurrency=${concurrency}`, "--test-reporter=spec", ...files]);

try {
  const unit = testFiles("test/unit");
  if (unit.length > 0) await tier("unit", () => nodeTest(unit, 2));

  await tier("typecheck", () => {
    const tsc = join(rootDir, "node_modules/typescript/bin/tsc");
    run(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.json"]);
    if (existsSync(join(rootDir, "miniprogram/tsconfig.json"))) run(process.execPath, [tsc, "--noEmit", "-p", "miniprogram/tsconfig.json"]);
  });

  const e2e = testFiles("test");
  if (e2e.length > 0) {
    await tier("build", async () => {
      await buildAssets();
      const dir = join(mkdtempSync(join(tmpdir(), "kefu-run-")), "state");
      template = await buildSeededState(dir);
    });
    try {
      // Most of an end-to-end file's time is spent waiting on sockets and workerd, not computing.
      await tier("end to end", () => nodeTest(e2e, Number(process.env.KEFU_TEST_CONCURRENCY) || 3));
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
