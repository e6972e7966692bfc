// The import rules of .dependency-cruiser.cjs: no cycle between files or top-level folders, and
// the server's layers point one way (worker → rooms → domain → protocol).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { it } from "node:test";
import { rootDir, wranglerBin, wranglerEnv } from "../../scripts/wrangler";

const FOLDERS = ["protocol", "domain", "rooms", "worker", "client", "admin", "h5", "miniprogram", "fake-wechat", "scripts", "test", "bench"];
const depcruise = join(rootDir, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");

it("imports follow the layers and form no cycle", () => {
  const result = spawnSync(process.execPath, [depcruise, ...FOLDERS, "--config", ".dependency-cruiser.cjs", "--output-type", "err"], {
    cwd: rootDir,
    encoding: "utf8",
  });
  assert.equal(result.status, 0, `${result.stdout}\n${result.stderr}`);
});

it("the generated Env matches wrangler.toml", () => {
  const args = ["types", "--include-runtime=false", "--strict-vars=false", "worker/worker-configuration.d.ts", "--check"];
  const result = spawnSync(process.execPath, [wranglerBin, ...args], { cwd: rootDir, encoding: "utf8", env: wranglerEnv });
  assert.equal(result.status, 0, `run \`npx wrangler ${args.slice(0, -1).join(" ")}\`\n${result.stdout}\n${result.stderr}`);
});
