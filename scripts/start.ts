// `npm start`: the whole system on this machine — local D1, R2 and Durable Objects under
// .wrangler/state, the fake WeChat API, demo data on first run — and prints where to go.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startFakeWechat } from "../fake-wechat/server";
import { buildAssets } from "./build-assets";
import { DEMO_STAFF } from "./seed";
import { startSystem } from "./system";
import { rootDir } from "./wrangler";

const port = Number(process.env.PORT ?? 8787);
const wechatPort = Number(process.env.WECHAT_FAKE_PORT ?? 9400);

const stateDir = join(rootDir, ".wrangler/state");

/**
 * The local TOKEN_SECRET, kept with the local state so sign-ins survive a restart. Not in
 * `.dev.vars`: `wrangler types` reads that file and would add the secret to the generated Env,
 * which `npm test` then finds out of date.
 */
function tokenSecret(): string {
  const file = join(stateDir, "token-secret");
  const existing = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  if (existing) return existing;
  const secret = crypto.randomUUID().replace(/-/g, "") + crypto.randomUUID().replace(/-/g, "");
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

await buildAssets({ sourcemaps: true });
const wechat = await startFakeWechat({ port: wechatPort, log: true });
const system = await startSystem({
  persistTo: stateDir,
  port,
  wechatBaseUrl: wechat.url,
  inheritOutput: true,
  demo: true,
  // `npm start -- --inspect`: DevTools at chrome://inspect (off by default: it costs CPU on every subrequest).
  inspect: process.argv.includes("--inspect") ? 9229 : undefined,
  vars: {
    TOKEN_SECRET: tokenSecret(),
    WECHAT_SECRET: wechat.secret,
    WECHAT_APPID: wechat.appid,
    ALLOW_GUEST: "true",
    // H5 web authorization against the fake: a browser whose user agent says MicroMessenger uses it.
    WECHAT_OA_APPID: wechat.oaAppid,
    WECHAT_OA_SECRET: wechat.oaSecret,
    WECHAT_OAUTH_BASE: wechat.url,
  },
});

console.log(`
客服系统已启动 (kefu is running)
  管理后台 Admin:        ${system.url}/admin/
  H5 客服页 H5 chat:      ${system.url}/h5/         (专属客服: ${system.url}/h5/?scene=vip01)
  API:                   ${system.url}/api/health
  WebSocket:             ws://127.0.0.1:${port}/parties/conversation-room/<conversationId>
  Fake WeChat API:       ${wechat.url}  (requests: ${wechat.url}/__fake/requests)
  Mini program:          open miniprogram/ in WeChat DevTools; API base ${system.url}
  Database:              ${system.seeded ? "new, demo data seeded" : "existing, left as it was"} (.wrangler/state)

演示账号 Demo logins (staff code / password):
${DEMO_STAFF.map((s) => `  ${s.code.padEnd(6)} / ${s.password.padEnd(9)} ${s.name}（${s.role ?? "staff"}${s.isDefault ? "，默认客服" : ""}${s.isOnDuty ? "，值班" : ""}）`).join("\n")}
Press Ctrl+C to stop.
`);

const shutdown = async () => {
  await system.stop();
  await wechat.close();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
