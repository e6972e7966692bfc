// Accessibility in Chromium: axe-core finds no serious or critical violation on any page of the
// console (as an admin, a supervisor and a staff member) or on the H5 chat; conversation rows open
// by keyboard; dialogs take focus, keep it, and close on Esc.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { STATS_CONVERSATIONS, STATS_FIXTURE_SQL, STATS_PERIOD } from "./admin-fixtures";
import { ALWAYS_WORKING } from "./harness";
import { seriousViolations } from "./axe";
import { signInAs, useConsole } from "./console";

const WAIT = 20_000;
const { sys, chromium } = useConsole({ extraSql: `${STATS_FIXTURE_SQL}\n${ALWAYS_WORKING}` });

async function newPage(): Promise<Page> {
  const page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(WAIT);
  return page;
}

const signIn = async (code: string, password?: string) => signInAs(await newPage(), sys, code, password);

async function clean(page: Page, what: string) {
  const found = await seriousViolations(page);
  assert.deepEqual(found, [], `${what}:\n${found.join("\n")}`);
}

describe("accessibility", () => {
  it("has no serious or critical axe violations on the sign-in page and every console page", async () => {
    const login = await newPage();
    await login.goto(`${sys.url}/admin/`);
    await login.getByLabel("工号").waitFor();
    await clean(login, "login");
    await login.close();

    const page = await signIn("admin", "admin123");
    const c = STATS_CONVERSATIONS[0].id;
    const pages: [string, string][] = [
      ["dashboard", '[data-testid="monitor"]'],
      [`workbench/${c}`, '[data-testid="chat-messages"]'],
      ["staff", 'tr[data-staff="kf01"]'],
      ["customers", '[data-testid="customer-table"] tbody tr'],
      [`conversations/${c}`, '[data-testid="transcript"]'],
      [`stats/${STATS_PERIOD.from}-${STATS_PERIOD.to}`, '[data-testid="push-counts"]'],
      ["templates", "h2"],
      ["settings", "form"],
      ["account", "h2"],
    ];
    for (const [path, ready] of pages) {
      await page.goto(`${sys.url}/admin/#/${path}`);
      await page.locator(ready).first().waitFor();
      await clean(page, path);
    }
    await page.close();

    const staff = await signIn("kf01");
    await staff.goto(`${sys.url}/admin/#/workbench/${c}`);
    await staff.getByTestId("chat-messages").waitFor();
    await clean(staff, "staff workbench");
    await staff.close();
  });

  it("has no serious or critical axe violations on the H5 chat", async () => {
    const context = await chromium.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT);
    await page.goto(`${sys.url}/h5/?scene=vip01`);
    await page.locator(".staff-name").waitFor();
    await clean(page, "h5");
    await context.close();
  });

  it("opens conversation rows by keyboard; dialogs take focus, trap it and close on Esc", async () => {
    const page = await signIn("sup01");
    await page.goto(`${sys.url}/admin/#/conversations`);
    const c = STATS_CONVERSATIONS[1].id;
    await page.locator(`tr[data-id="${c}"] a`).focus();
    await page.keyboard.press("Enter");
    await page.getByTestId("transcript").waitFor();
    assert.match(page.url(), new RegExp(`#/conversations/${c}$`));

    await page.close();

    const admin = await signIn("admin", "admin123");
    await admin.goto(`${sys.url}/admin/#/staff`);
    const opener = admin.getByRole("button", { name: "新建客服" });
    await opener.click();
    const dialog = admin.getByRole("dialog", { name: "新建客服" });
    await dialog.waitFor();
    assert.equal(await dialog.evaluate((d) => d.contains(document.activeElement)), true, "focus moves into the dialog");
    for (let i = 0; i < 8; i++) {
      await admin.keyboard.press("Tab");
      assert.equal(await dialog.evaluate((d) => d.contains(document.activeElement)), true, `focus stays inside after ${i + 1} tabs`);
    }
    await admin.keyboard.press("Shift+Tab");
    assert.equal(await dialog.evaluate((d) => d.contains(document.activeElement)), true);
    await admin.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    assert.equal(await opener.evaluate((b) => b === document.activeElement), true, "focus returns to the opener");
    await admin.close();
  });
});
