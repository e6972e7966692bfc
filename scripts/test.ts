// `npm test`: type-checks every TypeScript project, builds the browser apps, then runs every
// test file under test/ with Node's test runner (each file starts its own local system).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { buildAssets } from "./build-assets";
import { rootDir } from "./wrangler";

function run(cmd: string, args: string[]) {
  const result = spawnSync(cmd, args, { cwd: rootDir, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const tsc = join(rootDir, "node_modules/typescript/bin/tsc");
run(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.json"]);
if (existsSync(join(rootDir, "miniprogram/tsconfig.json"))) run(process.execPath, [tsc, "--noEmit", "-p", "miniprogram/tsconfig.json"]);
await buildAssets();

const only = process.argv.slice(2);
const files = readdirSync(join(rootDir, "test"))
  .filter((f) => f.endsWith(".test.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => join("test", f));
run(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=2", "--test-reporter=spec", ...files]);
