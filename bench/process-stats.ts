// Memory and CPU of the server processes under test, read from /proc (Linux).
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

function stat(pid: number): { ppid: number; comm: string; cpuTicks: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    return { ppid: Number(fields[1]), comm, cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The workerd processes of a `wrangler dev` (its dev proxy and the runtime). */
export function findWorkerds(wranglerPid: number): number[] {
  return processTree(wranglerPid).filter((pid) => stat(pid)?.comm === "workerd");
}

/** TCP ports on 127.0.0.1 that these processes listen on (via `ss`). */
export function listeningPorts(pids: number[]): number[] {
  const out = execFileSync("ss", ["-ltnpH"]).toString();
  return out
    .split("\n")
    .filter((line) => pids.some((pid) => line.includes(`pid=${pid},`)))
    .flatMap((line) => {
      const port = /127\.0\.0\.1:(\d+)/.exec(line)?.[1];
      return port ? [Number(port)] : [];
    });
}

export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function openFiles(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const s = stat(pid);
  return s ? s.cpuTicks / 100 : NaN;
}

const total = (pids: number[], f: (pid: number) => number) => pids.reduce((a, pid) => a + f(pid), 0);
/** The larger of two samples; a NaN sample (the process is gone) does not erase the peak. */
const peakOf = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));

/**
 * Samples the summed RSS and open files of `pids` every second; `stop()` returns the peaks and
 * the last RSS. A process that died reads as NaN and is reported as such.
 */
export function sampleRss(pids: number[]) {
  const now = () => total(pids, rssMb);
  const files = () => total(pids, openFiles);
  let peak = now();
  let peakFiles = files();
  const timer = setInterval(() => {
    peak = peakOf(peak, now());
    peakFiles = peakOf(peakFiles, files());
  }, 1000);
  timer.unref();
  return {
    now,
    stop() {
      clearInterval(timer);
      const last = now();
      return { peakMb: peakOf(peak, last), lastMb: last, peakOpenFiles: peakFiles };
    },
  };
}

/** CPU seconds `pids` use from now until the returned function is called. */
export function cpuMeter(pids: number[]): () => number {
  const start = total(pids, cpuSeconds);
  return () => total(pids, cpuSeconds) - start;
}
