// The browser workbench in Chromium against wrangler dev: a supervisor watches a staff member's
// conversation live and acts in it (reply as themselves, transfer, outcome, end) while the
// customer, on a real socket, receives it; a staff member works their own conversations.
// ADMIN_SCREENSHOTS=1 also saves docs/admin-workbench*.png.
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { BrowserContext, Page } from "playwright-core";
import { rootDir } from "../scripts/wrangler";
import { FLAGGED_NOTICE } from "../client/chat-session";
import { ALWAYS_WORKING, api, conversationPath, enter, eventually, loginCustomer, loginStaff, RawSocket } from "./harness";
import { signInAs, useConsole } from "./console";
import { testPng } from "./miniprogram-shim";

const WAIT = 20_000;
const { sys, chromium } = useConsole({ extraSql: ALWAYS_WORKING });

/** Records desktop notifications instead of showing them. */
async function recordNotifications(context: BrowserContext) {
  await context.grantPermissions(["notifications"]);
  // A string, not a function: tsx would add helpers to a function that the page does not have.
  await context.addInitScript(`
    window.__notes = [];
    window.Notification = class {
      static permission = "granted";
      static requestPermission() { return Promise.resolve("granted"); }
      constructor(title, options) { window.__notes.push(title + "|" + ((options && options.body) || "")); }
      close() {}
    };
  `);
}

async function signIn(code: string): Promise<Page> {
  const context = await chromium.browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
  await recordNotifications(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  return signInAs(page, sys, code);
}

const shot = async (page: Page, name: string) => {
  if (process.env.ADMIN_SCREENSHOTS) await page.screenshot({ path: join(rootDir, "docs", `admin-${name}.png`) });
};

/** A customer who scanned `staffCode`'s QR code and wrote a first message; their socket stays open. */
async function customerOf(staffCode: string, text: string) {
  const customer = await loginCustomer(sys);
  const entry = await enter(sys, customer.token, staffCode);
  const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
  await socket.opened;
  socket.send({ type: "send", clientId: `c-${Math.random().toString(36).slice(2)}`, content: { kind: "text", text } });
  await socket.waitFor("ack");
  return { customer, id: entry.conversationId, socket };
}

describe("workbench in the browser", () => {
  it("lets a supervisor watch a staff member's conversation live, reply as themselves, transfer, mark the outcome and end it", async () => {
    const { id, socket } = await customerOf("kf01", "我想咨询一下理财产品");
    const page = await signIn("sup01");
    // The dashboard's live queue lists the customer awaiting a first reply.
    await page.getByRole("link", { name: "总览" }).click();
    await page.locator(`[data-testid="queue"] tr[data-id="${id}"]`).getByText("首次回复").waitFor();
    await page.locator(`[data-testid="queue"] tr[data-id="${id}"] a`).click();
    const chat = page.getByTestId("chat-messages");
    await chat.getByText("我想咨询一下理财产品").waitFor();
    await page.getByTestId("assigned").getByText("小李").waitFor();

    // Live: a new customer message shows without reloading.
    socket.send({ type: "send", clientId: "c-live-1", content: { kind: "text", text: "请问收益多少？" } });
    await chat.getByText("请问收益多少？").waitFor();
    // Text WeChat's check holds for review shows its notice; the other messages carry none.
    socket.send({ type: "send", clientId: "c-live-review", content: { kind: "text", text: "这句话待审" } });
    await chat.locator(".msg.customer", { hasText: "这句话待审" }).locator(".flag", { hasText: FLAGGED_NOTICE }).waitFor();
    assert.equal(await chat.locator(".flag").count(), 1);

    await page.getByLabel("回复内容").fill("您好，我是王主管，由我来为您解答");
    await page.getByLabel("回复内容").press("Enter");
    const reply = await socket.waitFor("message", (f) => f.message.text === "您好，我是王主管，由我来为您解答", WAIT);
    assert.equal(reply.message.sender, "staff");
    assert.equal(reply.message.senderId, "s_sup01");
    await chat.locator(".msg.staff .who", { hasText: "王主管" }).waitFor();
    // The first staff reply makes the conversation active: the header says so without a reload.
    await page.locator(".wb-chat-head .badge.active", { hasText: "进行中" }).waitFor();
    const sup = await loginStaff(sys, "sup01");
    const queued = async () => (await api(sys, "/api/admin/queue", { token: sup.token })).body.items.find((i: { conversationId: string }) => i.conversationId === id);
    await eventually(async () => !(await queued()), WAIT, "answered conversation leaves the queue");
    socket.send({ type: "send", clientId: "c-live-again", content: { kind: "text", text: "还有一个问题" } });
    await eventually(async () => (await queued())?.kind === "again", WAIT, "customer waits again");
    // Watching does not mark the customer's messages read for the assigned staff member.
    const kf01 = await loginStaff(sys, "kf01");
    const inbox = await api(sys, "/api/staff/conversations", { token: kf01.token });
    assert.ok(inbox.body.items.find((i: { id: string; unread: number }) => i.id === id).unread >= 2);
    await shot(page, "workbench-supervisor");

    await page.getByRole("checkbox", { name: "已解决" }).click();
    await page.getByRole("checkbox", { name: "已解决", checked: true }).waitFor();
    await page.getByRole("checkbox", { name: "已转化" }).click();
    await page.getByRole("checkbox", { name: "已转化", checked: true }).waitFor();
    await eventually(async () => {
      const r = await api(sys, `/api/conversations/${id}`, { token: kf01.token });
      return r.body.outcome?.resolved === true && r.body.outcome?.converted === true;
    }, WAIT, "outcome stored");

    await page.getByRole("button", { name: "转接" }).click();
    const dialog = page.getByRole("dialog", { name: "转接会话" });
    await dialog.getByLabel("转接给").selectOption("s_vip01");
    await dialog.getByLabel("转接原因（选填）").fill("大客户");
    await dialog.getByRole("button", { name: "确认转接" }).click();
    await page.getByTestId("assigned").getByText("陈顾问").waitFor();
    await socket.waitFor("message", (f) => f.message.sender === "system" && (f.message.text ?? "").includes("陈顾问"), WAIT);

    page.once("dialog", (d) => d.accept());
    await page.getByRole("button", { name: "结束会话" }).click();
    await socket.waitFor("conversation", (f) => f.conversation.status === "ended", WAIT);
    await page.getByText("会话已结束").first().waitFor();
    socket.close();
    await page.context().close();
  });

  it("lets a staff member work their own conversations from the browser: red dots, keyboard, quick reply, image, customer panel, notification, transfer", async () => {
    const admin = await loginStaff(sys, "admin", "admin123");
    const created = await api(sys, "/api/admin/templates", { token: admin.token, body: { kind: "quick_reply", title: "问候", content: "您好，很高兴为您服务！" } });
    assert.equal(created.status, 201);
    const first = await customerOf("kf02", "你好，我的订单还没发货");

    const page = await signIn("kf02");
    // Staff see only the workbench.
    assert.equal(await page.getByRole("link", { name: "总览" }).count(), 0);
    const row = page.locator(`[data-testid="inbox"] a[data-id="${first.id}"]`);
    await row.locator(".dot", { hasText: "1" }).waitFor();
    await row.focus();
    await page.keyboard.press("Enter");
    const chat = page.getByTestId("chat-messages");
    await chat.getByText("你好，我的订单还没发货").waitFor();
    // Opened by its staff member: read, the red dot goes.
    await row.locator(".dot").waitFor({ state: "detached" });
    await first.socket.waitFor("read", (f) => f.by === "staff", WAIT);
    // The panel lists the customer's earlier conversations, not the open one (this customer has none).
    await page.getByTestId("customer-panel").getByText("历史会话（0）").waitFor();
    await page.getByTestId("customer-panel").getByText("没有更早的会话").waitFor();
    // A one-time H5 entry link for this customer, bound to this staff member.
    await page.getByTestId("customer-panel").getByRole("button", { name: "生成 H5 专属链接" }).click();
    const linkField = page.getByTestId("customer-panel").getByLabel("专属链接", { exact: false });
    await linkField.waitFor();
    const link = new URL(await linkField.inputValue()).searchParams.get("link");
    const redeemed = await api(sys, "/api/auth/h5/link", { body: { link } });
    assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
    assert.equal(redeemed.body.scene, "kf02");

    await page.getByLabel("快捷回复").selectOption({ label: "问候" });
    assert.equal(await page.getByLabel("回复内容").inputValue(), "您好，很高兴为您服务！");
    await page.getByRole("button", { name: "发送", exact: true }).click();
    await first.socket.waitFor("message", (f) => f.message.text === "您好，很高兴为您服务！" && f.message.senderId === "s_kf02", WAIT);

    await page.locator('.wb-composer input[type="file"]').setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: testPng(64, 48) });
    await first.socket.waitFor("message", (f) => f.message.kind === "image" && f.message.senderId === "s_kf02", WAIT);

    first.socket.send({ type: "send", clientId: "c-live-2", content: { kind: "text", text: "收到图片了，谢谢" } });
    await chat.getByText("收到图片了，谢谢").waitFor();

    // Another customer writes: a red dot on their row and a desktop notification.
    const second = await customerOf("kf02", "在吗？急事");
    await page.locator(`[data-testid="inbox"] a[data-id="${second.id}"] .dot`).waitFor();
    await eventually(() => page.evaluate(() => (window as unknown as { __notes: string[] }).__notes.some((n) => n.includes("在吗？急事"))), WAIT, "notification");
    await shot(page, "workbench-staff");

    await page.getByRole("button", { name: "转接" }).click();
    const dialog = page.getByRole("dialog", { name: "转接会话" });
    await dialog.getByLabel("转接给").selectOption("s_kf01");
    await dialog.getByRole("button", { name: "确认转接" }).click();
    await page.getByText("该会话已转接给", { exact: false }).waitFor();
    await row.waitFor({ state: "detached" });
    first.socket.close();
    second.socket.close();
    await page.context().close();
  });
});
