// `--cpu-cap SHARE`: the server processes under test run in a cgroup allowed SHARE of one core
// (a CFS quota over a 10 ms period), so a run shows what a slower host does at the same offered
// load: at 0.5 the runtime has half the CPU time it has here. The short period keeps each stall
// under SHARE × 10 ms, so latency measures the lack of headroom, not the throttle's granularity.
// Linux only, as root: cgroup v1's cpu controller, or v2's.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const PERIOD_US = 10_000;

type Controller = { dir: string; limit(share: number): void };

function controller(name: string): Controller {
  const v2 = existsSync("/sys/fs/cgroup/cgroup.controllers");
  const root = v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/cpu";
  if (!existsSync(join(root, "cgroup.procs"))) throw new Error(`no cgroup cpu controller at ${root}`);
  for (const entry of readdirSync(root)) {
    // An empty group left by an earlier run that was killed.
    if (entry.startsWith("kefu-bench-")) {
      try {
        rmdirSync(join(root, entry));
      } catch {
        // Still in use by a run going on now.
      }
    }
  }
  if (v2 && !readFileSync(join(root, "cgroup.subtree_control"), "utf8").split(/\s+/).includes("cpu")) {
    writeFileSync(join(root, "cgroup.subtree_control"), "+cpu");
  }
  const dir = join(root, name);
  mkdirSync(dir);
  return {
    dir,
    limit: (share) => {
      const quota = Math.max(1000, Math.round(share * PERIOD_US));
      if (v2) writeFileSync(join(dir, "cpu.max"), `${quota} ${PERIOD_US}`);
      else {
        writeFileSync(join(dir, "cpu.cfs_period_us"), String(PERIOD_US));
        writeFileSync(join(dir, "cpu.cfs_quota_us"), String(quota));
      }
    },
  };
}

export type CpuCap = {
  /** The share of one core, or null when uncapped. */
  share: number | null;
  /** Moves these processes (every thread) into the capped group; a no-op when uncapped. */
  apply(pids: number[]): void;
};

/** One capped group for the whole run (each leg's processes join it in turn), removed at exit. */
export function cpuCap(share: number | null): CpuCap {
  if (share === null) return { share, apply: () => undefined };
  if (!(share > 0 && share <= 64)) throw new Error(`--cpu-cap must be a share of one core above 0 (got ${share})`);
  let group: Controller;
  try {
    group = controller(`kefu-bench-${process.pid}`);
    group.limit(share);
  } catch (error) {
    throw new Error(`--cpu-cap needs a writable cgroup cpu controller (Linux, as root): ${(error as Error).message}`);
  }
  process.on("exit", () => {
    try {
      rmdirSync(group.dir);
    } catch {
      // Its processes are still exiting; the next capped run removes it.
    }
  });
  return {
    share,
    apply: (pids) => {
      for (const pid of pids) writeFileSync(join(group.dir, "cgroup.procs"), String(pid));
    },
  };
}
