// Memory and CPU of the server processes under test, read from /proc (Linux).
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

/** The workerd process started by a `wrangler dev` process. */
export function findWorkerd(wranglerPid: number): number | null {
  return processTree(wranglerPid).find((pid) => stat(pid)?.comm === "workerd") ?? null;
}

export function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const s = stat(pid);
  return s ? s.cpuTicks / 100 : NaN;
}

/** Samples RSS every second; `stop()` returns the peak and the last value. */
export function sampleRss(pid: number) {
  let peak = rssMb(pid);
  let last = peak;
  const timer = setInterval(() => {
    last = rssMb(pid);
    if (last > peak) peak = last;
  }, 1000);
  timer.unref();
  return {
    now: () => rssMb(pid),
    stop() {
      clearInterval(timer);
      last = rssMb(pid);
      return { peakMb: Math.max(peak, last), lastMb: last };
    },
  };
}
