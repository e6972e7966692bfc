// The admin console in Chromium against wrangler dev: sign-in, staff, settings, monitor,
// conversations with exports, statistics; and the Worker's role checks on /api/admin.
// ADMIN_SCREENSHOTS=1 also saves docs/admin-*.png.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import ExcelJS from "exceljs";
import type { Page } from "playwright-core";
import { rootDir } from "../scripts/wrangler";
import { STATS_CONVERSATIONS, STATS_FIXTURE_SQL, STATS_PERIOD } from "./admin-fixtures";
import { FLAGGED_NOTICE } from "../client/chat-session";
import { ALWAYS_WORKING, api, enter, loginCustomer, loginStaff, RawSocket, staffPath } from "./harness";
import { signInAs, useConsole } from "./console";

const WAIT = 15_000;
const { sys, chromium } = useConsole({ extraSql: `${STATS_FIXTURE_SQL}\n${ALWAYS_WORKING}` });
const downloads = mkdtempSync(join(tmpdir(), "kefu-admin-dl-"));

async function signIn(code: string, password: string): Promise<Page> {
  const page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
  page.setDefaultTimeout(WAIT);
  return signInAs(page, sys, code, password);
}

const shot = async (page: Page, name: string) => {
  if (process.env.ADMIN_SCREENSHOTS) await page.screenshot({ path: join(rootDir, "docs", `admin-${name}.png`), fullPage: true });
};

/**
 * Clicks an export button and returns its download; an export that fails shows its error on the
 * page instead, and this fails with that text rather than waiting out the timeout.
 */
async function exportFile(page: Page, button: string, timeout = WAIT) {
  const failed = page
    .locator(".exporter .error-text")
    .waitFor({ timeout })
    .then(async () => {
      throw new Error(`${button} failed on the page: ${await page.locator(".exporter .error-text").textContent()}`);
    }, () => new Promise<never>(() => undefined));
  const [download] = await Promise.all([Promise.race([page.waitForEvent("download", { timeout }), failed]), page.getByRole("button", { name: button }).click()]);
  return download;
}

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==", "base64");
function upload(token: string, conversationId: string, bytes: Buffer) {
  const form = new FormData();
  form.set("conversationId", conversationId);
  form.set("file", new Blob([new Uint8Array(bytes)], { type: "image/png" }), "a.png");
  return api(sys, "/api/media", { token, raw: form });
}

describe("admin console", () => {
  it("lets an admin create a staff member, disable one and change a setting that takes effect", async () => {
    const page = await signIn("admin", "admin123");
    await page.getByRole("link", { name: "客服管理" }).click();
    await page.getByRole("button", { name: "新建客服" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("工号").fill("kf09");
    await dialog.getByLabel("姓名").fill("小周");
    await dialog.getByLabel("初始密码").fill("secret99");
    await dialog.getByLabel("默认客服").check();
    await dialog.getByRole("button", { name: "保存" }).click();
    await page.locator('tr[data-staff="kf09"]').getByText("小周").waitFor();
    const created = await loginStaff(sys, "kf09", "secret99");
    assert.equal(created.role, "staff");

    await page.locator('tr[data-staff="kf02"]').getByRole("button", { name: "停用" }).click();
    await page.locator('tr[data-staff="kf02"]').getByText("已停用").waitFor();
    const refused = await api(sys, "/api/auth/staff", { body: { code: "kf02", password: "demo123" } });
    // A disabled account answers like a wrong password (nothing tells which accounts exist).
    assert.equal(refused.status, 401);
    assert.equal(refused.body.message, "工号或密码错误");

    // A bad value gets a clear error; a good one applies to the very next upload.
    await page.getByRole("link", { name: "系统设置" }).click();
    await page.getByLabel("上传文件大小上限（MB）").fill("0.0001");
    await page.getByRole("button", { name: "保存设置" }).click();
    await page.getByRole("alert").waitFor();
    assert.equal(await page.getByRole("alert").textContent(), "上传文件大小上限：上传上限不能小于 1 KB");
    await page.getByLabel("上班").fill("9点");
    await page.getByRole("button", { name: "保存设置" }).click();
    await page.getByRole("alert").getByText("上班时间：时间格式应为 HH:MM").waitFor();
    await page.getByLabel("上班").fill("09:00");
    await page.getByLabel("聊天记录和媒体文件保留天数").fill("90");
    await page.getByLabel("上传文件大小上限（MB）").fill("0.002");
    await page.getByRole("button", { name: "保存设置" }).click();
    await page.getByText("设置已保存，立即生效").waitFor();
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    const small = await upload(customer.token, entry.conversationId, PNG);
    assert.equal(small.status, 201, JSON.stringify(small.body));
    const big = await upload(customer.token, entry.conversationId, Buffer.concat([PNG, Buffer.alloc(4096)]));
    assert.equal(big.status, 413, JSON.stringify(big.body));
    await page.close();
  });

  it("shows presence changes live on the dashboard monitor", async () => {
    const page = await signIn("sup01", "demo123");
    const row = page.locator('[data-testid="monitor"] tr[data-staff="vip01"]');
    await row.getByText("离线").waitFor();
    const vip = await loginStaff(sys, "vip01");
    const socket = new RawSocket(sys, staffPath(vip.id), vip.token);
    await socket.opened;
    await row.getByText("在线").waitFor();
    socket.send({ type: "status", presence: "busy" });
    await row.getByText("忙碌").waitFor();
    await shot(page, "dashboard");
    socket.close();
    await row.getByText("离线").waitFor();
    await page.close();
  });

  it("lets a staff member change their own password in the browser, which signs them out everywhere", async () => {
    const admin = await loginStaff(sys, "admin", "admin123");
    assert.equal((await api(sys, "/api/admin/staff", { token: admin.token, body: { code: "pw01", name: "改密客服", password: "first-pass-1" } })).status, 201);
    const otherDevice = await loginStaff(sys, "pw01", "first-pass-1");
    const page = await signIn("pw01", "first-pass-1");
    await page.getByRole("link", { name: "账号安全" }).click();
    await page.getByLabel("当前密码").fill("first-pass-1");
    await page.getByLabel("新密码", { exact: true }).fill("second-pass-2");
    await page.getByLabel("确认新密码").fill("second-pass-x");
    await page.getByRole("button", { name: "修改密码" }).click();
    await page.getByText("两次输入的新密码不一致").waitFor();
    await page.getByLabel("当前密码").fill("not-my-password");
    await page.getByLabel("确认新密码").fill("second-pass-2");
    await page.getByRole("button", { name: "修改密码" }).click();
    await page.getByText("当前密码不正确").waitFor();
    assert.equal((await api(sys, "/api/auth/me", { token: otherDevice.token })).status, 200, "a refused change signs nobody out");
    await page.getByLabel("当前密码").fill("first-pass-1");
    await page.getByRole("button", { name: "修改密码" }).click();
    // Back on the sign-in page, told why; every device of the account is signed out.
    await page.getByText("密码已修改，请用新密码重新登录", { exact: false }).waitFor();
    await page.getByLabel("工号").waitFor();
    assert.equal((await api(sys, "/api/auth/me", { token: otherDevice.token })).status, 401);
    assert.equal((await api(sys, "/api/auth/staff", { body: { code: "pw01", password: "first-pass-1" } })).status, 401);
    await page.getByLabel("工号").fill("pw01");
    await page.getByLabel("密码").fill("second-pass-2");
    await page.getByRole("button", { name: "登录" }).click();
    await page.getByRole("link", { name: "工作台" }).waitFor();
    await page.close();
  });

  it("searches message content within the D1 copy window and says how far it reaches", async () => {
    const page = await signIn("sup01", "demo123");
    await page.getByRole("link", { name: "会话记录" }).click();
    await page.getByTestId("keyword-scope").getByText("内容搜索覆盖最近 1 天", { exact: false }).waitFor();
    const table = page.getByTestId("conversation-table");
    await table.locator('tr[data-id="c_s2"]').waitFor();
    await page.getByLabel("消息内容").fill("年化约 3.2%");
    await page.getByRole("button", { name: "查询" }).click();
    await table.locator('tr[data-id="c_s2"]').waitFor({ state: "detached" });
    assert.deepEqual(await table.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id"))), ["c_s1"]);
    await page.close();
  });

  it("lets a supervisor see every conversation, open a transcript and export Excel and PDF", async () => {
    const page = await signIn("sup01", "demo123");
    await page.getByRole("link", { name: "会话记录" }).click();
    const table = page.getByTestId("conversation-table");
    for (const c of STATS_CONVERSATIONS) await table.locator(`tr[data-id="${c.id}"]`).waitFor();
    for (const name of ["小李", "小张", "陈顾问"]) assert.ok((await table.getByText(name).count()) > 0, name);
    await table.locator('tr[data-id="c_s4"]').click();
    await page.getByTestId("transcript").getByText("您好，我是陈顾问").waitFor();
    await page.getByTestId("transcript").getByText("会话已转接给 陈顾问", { exact: false }).waitFor();
    await shot(page, "conversations");
    // A transcript marks the message the content check flagged, and only that one.
    await table.locator('tr[data-id="c_s1"]').click();
    const transcript = page.getByTestId("transcript");
    await transcript.locator(".msg.customer", { hasText: "有稳健一点的吗？" }).locator(".flag", { hasText: FLAGGED_NOTICE }).waitFor();
    assert.equal(await transcript.locator(".flag").count(), 1);

    const xlsx = await exportFile(page, "导出 Excel");
    const xlsxPath = join(downloads, "export.xlsx");
    await xlsx.saveAs(xlsxPath);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsxPath);
    const sheet = wb.getWorksheet("会话")!;
    const ids = sheet.getColumn(1).values.slice(2).map(String).sort();
    assert.deepEqual(ids, STATS_CONVERSATIONS.map((c) => c.id).sort());
    const s1 = sheet.getRows(2, sheet.rowCount - 1)!.find((r) => r.getCell(1).value === "c_s1")!;
    assert.equal(s1.getCell(4).value, "张女士");
    assert.equal(s1.getCell(6).value, "小李");
    assert.equal(s1.getCell(9).value, 5);
    const messages = wb.getWorksheet("消息")!;
    assert.equal(messages.rowCount - 1, STATS_CONVERSATIONS.reduce((n, c) => n + c.messages.length, 0));
    assert.ok(messages.getColumn(6).values.includes("你好，我想咨询理财产品"));
    // The one message the content check flagged is marked for review; no other is.
    const marked = messages.getRows(2, messages.rowCount - 1)!.filter((r) => r.getCell(7).value === "待审核").map((r) => r.getCell(6).value);
    assert.deepEqual(marked, ["有稳健一点的吗？"]);

    const pdf = await exportFile(page, "导出 PDF", 60_000);
    const pdfPath = join(downloads, "export.pdf");
    await pdf.saveAs(pdfPath);
    const bytes = readFileSync(pdfPath);
    assert.equal(bytes.subarray(0, 5).toString(), "%PDF-");
    assert.ok(bytes.length < 400_000, `a font subset, not the whole font: ${bytes.length} bytes`);
    const text = execFileSync("pdftotext", ["-enc", "UTF-8", pdfPath, "-"], { stdio: ["ignore", "pipe", "ignore"] }).toString();
    for (const expected of ["会话记录", "你好，我想咨询理财产品", "您好，我是陈顾问", "张女士", "年化约 3.2%", "（待审核）"]) {
      assert.ok(text.includes(expected), `pdftotext shows ${expected}`);
    }
    execFileSync("pdfinfo", [pdfPath], { stdio: "ignore" });
    await page.close();
  });

  it("draws the statistics with the service targets", async () => {
    const page = await signIn("sup01", "demo123");
    await page.goto(`${sys.url}/admin/#/stats/${STATS_PERIOD.from}-${STATS_PERIOD.to}`);
    await page.locator('tr[data-key="s_kf01"]').getByText("3 分 15 秒").waitFor(); // first response 195 s
    await page.locator('tr[data-key="team"]').getByText("66.7%").waitFor(); // satisfaction 2 / 3
    assert.equal(await page.locator("svg line.target").count(), 4);
    await page.getByText("目标 5 分钟").first().waitFor();
    await shot(page, "statistics");
    await page.close();
  });
});

describe("role checks on the admin API", () => {
  it("gives plain staff 403 on every admin API and the monitor, supervisors read but do not configure", async () => {
    const staff = await loginStaff(sys, "kf01");
    for (const path of ["/api/admin/staff", "/api/admin/conversations", "/api/admin/stats?from=0&to=1", "/api/admin/customers", "/api/admin/templates", "/api/admin/settings", "/api/admin/groups"]) {
      const res = await api(sys, path, { token: staff.token });
      assert.equal(res.status, 403, path);
    }
    assert.equal((await api(sys, "/api/admin/staff", { method: "POST", token: staff.token, body: { code: "x1", name: "x", password: "123456" } })).status, 403);
    await assert.rejects(new RawSocket(sys, "/parties/monitor-room/main", staff.token).opened, /403/);
    assert.equal((await api(sys, "/api/admin/staff")).status, 401);

    const sup = await loginStaff(sys, "sup01");
    const all = await api(sys, "/api/admin/conversations", { token: sup.token });
    assert.equal(all.status, 200);
    assert.ok(all.body.total >= STATS_CONVERSATIONS.length);
    assert.equal((await api(sys, "/api/admin/staff", { method: "POST", token: sup.token, body: { code: "x2", name: "x", password: "123456" } })).status, 403);
    assert.equal((await api(sys, "/api/admin/settings", { method: "PUT", token: sup.token, body: { pushPerHour: 5 } })).status, 403);
    assert.equal((await api(sys, "/api/admin/templates", { token: sup.token, body: { kind: "quick_reply", title: "t", content: "c" } })).status, 403);
  });
});
