// Shared setup of the Chromium tests of the console: fresh bundles, a fresh system, one browser
// per file; and signing in through the login form.
import { after, before } from "node:test";
import type { Browser, Page } from "playwright-core";
import { buildAssets } from "../scripts/build-assets";
import { startTestSystem, type TestSystem } from "./harness";
import { launchChromium } from "./browser";

/** One hook does both, as in useTestSystem (Node 20 runs a file's top-level hooks concurrently). */
export function useConsole(opts: Parameters<typeof startTestSystem>[0] = {}): { sys: TestSystem; chromium: { browser: Browser } } {
  const sys = {} as TestSystem;
  const chromium = {} as { browser: Browser };
  before(async () => {
    // Run alone, the file builds the bundles itself; `npm test` (on main) builds them once before.
    if (!process.env.KEFU_ASSETS_BUILT) await buildAssets();
    Object.assign(sys, await startTestSystem(opts));
    chromium.browser = await launchChromium();
  });
  after(async () => {
    await chromium.browser?.close();
    await sys.close?.();
  });
  return { sys, chromium };
}

/** Signs in on `page`; every role lands with the 工作台 link in the menu. */
export async function signInAs(page: Page, sys: { url: string }, code: string, password = "demo123"): Promise<Page> {
  await page.goto(`${sys.url}/admin/`);
  await page.getByLabel("工号").fill(code);
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.getByRole("link", { name: "工作台" }).waitFor();
  return page;
}
