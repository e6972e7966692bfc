// `npx tsx bench/first-load.ts`: the browser apps' first load on loopback. Builds the bundles,
// starts the system, and in Chromium opens /admin/ and /h5/ with an empty cache several times,
// printing the bytes on the wire (gzip) and DOMContentLoaded (median). Targets of issue 15:
// admin entry ≤ 60 KB gzip, H5 ≤ 40 KB gzip, DOMContentLoaded ≤ 300 ms.
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildAssets } from "../scripts/build-assets";
import { startSystem } from "../scripts/system";
import { rootDir } from "../scripts/wrangler";
import { startFakeWechat } from "../fake-wechat/server";
import { launchChromium } from "../test/browser";

const RUNS = 7;
await buildAssets();
const wechat = await startFakeWechat();
const system = await startSystem({ persistTo: mkdtempSync(join(tmpdir(), "kefu-first-load-")), wechatBaseUrl: wechat.url, vars: { TOKEN_SECRET: "bench-first-load-secret-0123456789", ALLOW_GUEST: "true" } });
const browser = await launchChromium();
try {
  for (const app of ["admin", "h5"]) {
    const html = readFileSync(join(rootDir, "public", app, "index.html"), "utf8");
    const files = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => join(rootDir, "public", app, m[1]));
    const gzip = files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${system.url}/${app}/`, { waitUntil: "load" });
      times.push(await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming;
        return Math.round(nav.domContentLoadedEventEnd - nav.startTime);
      }));
      await context.close();
    }
    times.sort((a, b) => a - b);
    console.log(`${app}: first load ${gzip} bytes gzip (html's script + stylesheet); DOMContentLoaded median ${times[RUNS >> 1]} ms (min ${times[0]}, max ${times[RUNS - 1]}) over ${RUNS} cold loads`);
  }
} finally {
  await browser.close();
  await system.stop();
  await wechat.close();
}
