// Runs the project's wrangler (local mode only) from Node scripts and tests.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
export const wranglerBin = require.resolve("wrangler/bin/wrangler.js");
export const rootDir = new URL("..", import.meta.url).pathname;

// CLOUDFLARE_CF_FETCH_ENABLED=false: no download of the `request.cf` sample from workers.cloudflare.com,
// whose failure offline prints an alarming ENOTFOUND stack trace (the app does not use request.cf).
export const wranglerEnv = { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "true" };

export function runWrangler(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd: rootDir, env: wranglerEnv });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`wrangler ${args.join(" ")} failed (${code}):\n${out}\n${err}`))));
  });
}

export async function applyMigrations(persistTo: string): Promise<void> {
  await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo]);
}

export async function executeSql(persistTo: string, file: string): Promise<void> {
  await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", persistTo, "--file", file, "--yes"]);
}

// Queries used to spawn `wrangler d1 execute --json`; they now read the SQLite file directly.
export { queryAllJson, queryJson } from "./local-d1";
