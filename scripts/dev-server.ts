// The local runtime: wrangler's dev server (workerd with local D1, R2 and Durable Objects) started
// through wrangler's own API so that its DevTools inspector can stay off. With the inspector on
// (what `wrangler dev` always does), workerd reports every subrequest (each fetch, each D1 query)
// to wrangler's inspector proxy and on to Node: measured 1.7 ms of workerd CPU per fetch instead of
// 0.25 ms, and 2 ms per D1 batch instead of 0.7 ms. Production has no inspector attached, so the
// tests and benchmarks run without it; `--inspect` turns it on for debugging.
//
//   tsx scripts/dev-server.ts [--config wrangler.toml] --port 8787 --persist-to .wrangler/state [--var K:V]... [--inspect [port]]
import { parseArgs } from "node:util";
import { join } from "node:path";
import { unstable_startWorker } from "wrangler";
import { rootDir } from "./wrangler";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    config: { type: "string", default: join(rootDir, "wrangler.toml") },
    "persist-to": { type: "string", default: join(rootDir, ".wrangler/state") },
    var: { type: "string", multiple: true, default: [] },
    inspect: { type: "string" },
  },
});

const bindings = Object.fromEntries(
  values.var.map((pair) => {
    const at = pair.indexOf(":");
    return [pair.slice(0, at), { type: "plain_text" as const, value: pair.slice(at + 1) }];
  }),
);

const worker = await unstable_startWorker({
  config: values.config,
  bindings,
  // `wrangler dev` derives this from compatibility_flags; its API takes it as given (nodejs_compat, v2).
  build: { nodejsCompatMode: "v2" },
  dev: {
    server: { hostname: "127.0.0.1", port: Number(values.port) },
    persist: values["persist-to"],
    inspector: values.inspect === undefined ? false : { hostname: "127.0.0.1", port: Number(values.inspect) || 9229 },
    // GET /__scheduled?cron=… runs the cron handler (the cdn-cgi trigger of wrangler 4.86 fails
    // when assets are configured: workers-sdk#9882).
    testScheduled: true,
    watch: false,
    liveReload: false,
  },
});
await worker.ready;

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void worker.dispose().finally(() => process.exit(0));
  });
}
