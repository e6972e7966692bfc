// `KEFU_INSPECT_PORT=9229 npm run bench -- …` in one shell, `npx tsx bench/profile.ts` in another:
// a CPU profile of the runtime's isolate (the Worker and every Durable Object share it locally)
// through the DevTools protocol, summarised as self time by function and by file. The inspector
// itself adds CPU to every subrequest (fetch, D1), so the profile tells where JS time goes, and
// bench:cost (inspector off) tells how much.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "9229" },
    /** A DevTools target URL as is (e.g. the runtime's own, from its /json/list), instead of the port's first. */
    url: { type: "string" },
    wait: { type: "string", default: "30" },
    seconds: { type: "string", default: "20" },
    top: { type: "string", default: "40" },
    out: { type: "string", default: "/tmp/kefu.cpuprofile" },
  },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
type Profile = { nodes: Node[]; samples: number[]; timeDeltas: number[] };

async function target(): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      const list = (await (await fetch(`http://127.0.0.1:${args.port}/json`)).json()) as { webSocketDebuggerUrl: string }[];
      if (list.length > 0) return list[0].webSocketDebuggerUrl;
    } catch {
      if (i > 600) throw new Error(`no inspector on port ${args.port}`);
    }
    await sleep(500);
  }
}

const url = args.url ?? (await target());
console.log(`inspector ${url}; profiling in ${args.wait} s for ${args.seconds} s`);
await sleep(Number(args.wait) * 1000);
async function connect(): Promise<WebSocket> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<WebSocket>((resolve, reject) => {
        const socket = new WebSocket(url);
        socket.once("open", () => resolve(socket));
        socket.once("error", reject);
      });
    } catch (error) {
      if (i >= 20) throw error;
      await sleep(1000);
    }
  }
}
const ws = await connect();
ws.on("close", (code, reason) => console.log(`inspector closed the connection (${code} ${reason.toString()})`));
let nextId = 0;
const pending = new Map<number, (result: unknown) => void>();
ws.on("message", (data) => {
  const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown };
  if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
});
const call = <T>(method: string, params: object = {}) =>
  new Promise<T>((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve as (r: unknown) => void);
    ws.send(JSON.stringify({ id, method, params }));
  });

await call("Profiler.enable");
await call("Profiler.setSamplingInterval", { interval: 200 });
await call("Profiler.start");
await sleep(Number(args.seconds) * 1000);
const { profile } = await call<{ profile: Profile }>("Profiler.stop");
ws.close();
writeFileSync(args.out, JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const sum = (key: (n: Node) => string) => {
  const out = new Map<string, number>();
  for (const [id, us] of self) out.set(key(byId.get(id)!), (out.get(key(byId.get(id)!)) ?? 0) + us);
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top));
};
const file = (n: Node) => n.callFrame.url.replace(/^.*\/(node_modules\/[^/]+|[^/]+\/[^/]+)$/, "$1") || "(native)";
const print = (title: string, rows: [string, number][]) => {
  console.log(`\n${title}`);
  for (const [k, us] of rows) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
};
const idle = sum((n) => n.callFrame.functionName)
  .filter(([k]) => k === "(idle)" || k === "(program)")
  .reduce((a, [, us]) => a + us, 0);
console.log(`\n${(total / 1000).toFixed(0)} ms sampled, ${(idle / 1000).toFixed(0)} ms idle/program; profile in ${args.out}`);
print("self time by function", sum((n) => `${n.callFrame.functionName || "(anonymous)"}  ${file(n)}:${n.callFrame.lineNumber + 1}`));
print("self time by file", sum(file));
