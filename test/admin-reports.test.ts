// Trusting the numbers, in Chromium against wrangler dev: an outcome marked on screen moves the
// resolution rate; the satisfaction report shows the customers' comments; activity per day/hour;
// the push log shows status and reason, a failed push is retried from the screen and the arrival
// rate moves; a reversed date range gives a clear error instead of the old figures.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Page } from "playwright-core";
import { rootDir } from "../scripts/wrangler";
import { STATS_FIXTURE_SQL, STATS_PERIOD } from "./admin-fixtures";
import { ALWAYS_WORKING, api, chatClient, enter, eventually, loginCustomer, loginStaff, staffCodeOf } from "./harness";
import { signInAs, useConsole } from "./console";

const WAIT = 20_000;
const { sys, chromium } = useConsole({
  extraSql: `${STATS_FIXTURE_SQL}\n${ALWAYS_WORKING}\nUPDATE conversations SET rating_comment = '回复很及时，谢谢小李' WHERE id = 'c_s1';`,
});

async function signIn(code: string, password = "demo123"): Promise<Page> {
  const page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(WAIT);
  return signInAs(page, sys, code, password);
}

const statsUrl = (r: { from: number; to: number }) => `${sys.url}/admin/#/stats/${r.from}-${r.to}`;

describe("reports", () => {
  it("moves the resolution rate when a supervisor marks an outcome, and shows the series and the rating comments", async () => {
    const page = await signIn("sup01");
    await page.goto(statsUrl(STATS_PERIOD));
    const team = page.locator('tr[data-key="team"]');
    await team.getByText("75.0%").waitFor(); // 3 of 4 conversations resolved
    await page.getByTestId("satisfaction").locator('tr[data-id="c_s1"]').getByText("回复很及时，谢谢小李").waitFor();
    assert.equal(await page.getByTestId("series").locator("svg").count(), 4);

    await page.goto(`${sys.url}/admin/#/workbench/c_s3`);
    await page.getByRole("checkbox", { name: "已解决" }).click();
    await page.getByRole("checkbox", { name: "已解决", checked: true }).waitFor();
    await page.goto(statsUrl(STATS_PERIOD));
    await page.reload();
    await page.locator('tr[data-key="team"]').getByText("100.0%").first().waitFor();

    const hourly = await api(sys, `/api/admin/reports/series?from=${STATS_PERIOD.from}&to=${STATS_PERIOD.to}&bucket=hour&utcOffsetMinutes=480`, {
      token: (await loginStaff(sys, "sup01")).token,
    });
    assert.equal(hourly.status, 200);
    assert.equal(hourly.body.points.length, 25);
    assert.equal(hourly.body.points.reduce((n: number, p: { conversations: number }) => n + p.conversations, 0), 4);
    await page.close();
  });

  it("says clearly when the date range is reversed and shows no old figures under it", async () => {
    const page = await signIn("sup01");
    await page.goto(statsUrl(STATS_PERIOD));
    await page.locator('tr[data-key="team"]').waitFor();
    await page.getByLabel("开始日期").fill("2026-01-10");
    await page.getByLabel("结束日期").fill("2026-01-05");
    await page.getByRole("button", { name: "查询" }).click();
    await page.getByRole("alert").getByText("开始日期不能晚于结束日期，请重新选择").waitFor();
    assert.equal(await page.locator('tr[data-key="team"]').count(), 0);
    const sup = await loginStaff(sys, "sup01");
    const reversed = await api(sys, "/api/admin/reports/series?from=10&to=5", { token: sup.token });
    assert.equal(reversed.status, 400);
    assert.equal(reversed.body.message, "开始时间必须早于结束时间");
    await page.close();
  });

  it("serves hashed assets and the PDF font with long-lived cache headers, and the pages themselves uncached", async () => {
    for (const app of ["admin", "h5"]) {
      const index = await fetch(`${sys.url}/${app}/`);
      assert.equal(index.status, 200);
      assert.match(index.headers.get("cache-control") ?? "", /no-cache/);
      const assets = [...(await index.text()).matchAll(/(?:src|href)="\.\/(assets\/[^"]+)"/g)].map((m) => m[1]);
      assert.equal(assets.length, 2);
      const fonts = app === "admin" ? readdirSync(join(rootDir, "public/admin/vendor")).map((f) => `vendor/${f}`) : [];
      for (const path of [...assets, ...fonts]) {
        const res = await fetch(`${sys.url}/${app}/${path}`);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable", path);
        await res.arrayBuffer();
      }
    }
  });

  it("lists pushes with status and reason, retries a failed one from the screen, and shows the arrival rate", async () => {
    const customer = await loginCustomer(sys, "push-log-customer");
    for (let i = 0; i < 2; i++) await api(sys, "/api/subscriptions", { token: customer.token, body: { results: { TPL_REPLY: "accept" } } });
    const entry = await enter(sys, customer.token);
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    const chat = chatClient(sys, entry.conversationId, staff);
    await eventually(() => chat.open, WAIT, "staff socket open");
    sys.wechat.failNext("subscribe_send", 47003);
    const clientId = chat.send({ kind: "text", text: "您的订单已发货" });
    await eventually(() => !chat.pending.has(clientId), WAIT, "reply stored");

    const today = { from: Date.now() - 3_600_000, to: Date.now() + 3_600_000 };
    const page = await signIn("sup01");
    await page.goto(statsUrl(today));
    const log = page.getByTestId("push-log");
    const failed = log.locator("tr", { hasText: "失败" });
    await failed.getByText("模板参数不正确（错误码 47003）").waitFor();
    await page.getByTestId("push-counts").getByText("0.0%").waitFor();
    await failed.getByRole("button", { name: "重新推送" }).click();
    await page.getByText("已重新推送").waitFor();
    await log.locator("tr", { hasText: "已送达" }).waitFor();
    await page.getByTestId("push-counts").getByText("50.0%").waitFor();
    assert.equal(await failed.getByRole("button", { name: "重新推送" }).count(), 0);
    chat.close();
    await page.close();
  });
});
