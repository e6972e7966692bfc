// `wrangler dev` rebuilds and restarts workerd whenever a source file changes, dropping every
// socket. The benchmark and the chaos run start it from a snapshot of the tree instead, so that
// edits made meanwhile neither restart the system under test nor change what is measured.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { rootDir } from "../scripts/wrangler";

/** Copies the tracked and untracked (not ignored) files, plus the built assets; links node_modules. */
export function snapshotTree(): string {
  const dir = mkdtempSync(join(tmpdir(), "kefu-snapshot-"));
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard"], { cwd: rootDir })
    .toString()
    .split("\n")
    // node_modules is linked below (a worktree may have it as an untracked symlink).
    .filter((f) => f && !f.startsWith("bench/results/") && f !== "node_modules");
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(rootDir, file), join(dir, file));
    } catch {
      // deleted since git listed it
    }
  }
  cpSync(join(rootDir, "public"), join(dir, "public"), { recursive: true });
  symlinkSync(join(rootDir, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/** `scripts/system.ts` of a snapshot: its wrangler runs there. */
export async function systemOf(dir: string): Promise<typeof import("../scripts/system")> {
  return import(join(dir, "scripts/system.ts"));
}
