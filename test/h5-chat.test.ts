// The H5 customer page in Chromium at phone size against wrangler dev: a guest customer with the
// vip01 scene sends text and a photo, the staff replies over the raw socket, the customer sees it,
// and rates the conversation after it ends. H5_SCREENSHOTS=1 writes the screenshots into docs/.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Browser, type Page } from "playwright-core";
import { rootDir } from "../scripts/wrangler";
import { ALWAYS_WORKING, api, conversationPath, eventually, loginStaff, RawSocket, staffPath, startTestSystem, type TestSystem } from "./harness";
import { launchChromium } from "./browser";
import { testPng } from "./miniprogram-shim";

let sys: TestSystem;
let browser: Browser;
const shots = process.env.H5_SCREENSHOTS ? join(rootDir, "docs") : mkdtempSync(join(tmpdir(), "kefu-h5-"));

before(async () => {
  sys = await startTestSystem({ extraSql: ALWAYS_WORKING });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await sys?.close();
});

async function phone(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "zh-CN" });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

describe("H5 customer chat in Chromium", () => {
  it("customer sends text and a photo, staff replies, customer sees it and rates the conversation", async () => {
    const vip = await loginStaff(sys, "vip01");
    const feed = new RawSocket(sys, staffPath(vip.id), vip.token);
    await feed.opened;

    const page = await phone();
    await page.goto(`${sys.url}/h5/?scene=vip01`);
    await page.locator(".staff-name", { hasText: "陈顾问" }).waitFor();
    assert.equal(await page.locator(".staff-tag").textContent(), "专属顾问");
    assert.match((await page.locator(".guest-banner").textContent()) ?? "", /访客模式/);

    await page.locator(".input").fill("你好，我想咨询一下基金定投");
    await page.locator(".send-btn").click();
    await page.locator(".row.mine .text", { hasText: "你好，我想咨询一下基金定投" }).waitFor();
    await page.locator(".row.mine .receipt", { hasText: "未读" }).waitFor();

    await page.locator(".file-input").setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: testPng(480, 320) });
    const image = page.locator(".row.mine img.image");
    await image.waitFor();
    // Once sent, the image is loaded back from the server with the token in its URL.
    await eventually(async () => ((await image.getAttribute("src")) ?? "").includes("/api/media/"), 20_000, "image from the server");
    await eventually(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth === 480), 20_000, "image loaded");

    const inbox = await feed.waitFor("inbox", (f) => f.item.lastMessagePreview === "[图片]", 20_000);
    const conversationId = inbox.item.id;
    const staffChat = new RawSocket(sys, conversationPath(conversationId), vip.token);
    await staffChat.opened;
    staffChat.send({ type: "read", seq: 2 });
    staffChat.send({ type: "send", clientId: "h5-staff-reply-1", content: { kind: "text", text: "您好！基金定投可以每月自动扣款，我给您详细介绍一下。" } });
    staffChat.send({ type: "send", clientId: "h5-staff-reply-2", content: { kind: "emoji", text: "👍" } });
    await page.locator(".row.theirs .text", { hasText: "基金定投可以每月自动扣款" }).waitFor();
    await page.locator(".row.theirs .emoji", { hasText: "👍" }).waitFor();
    await eventually(async () => (await page.locator(".row.mine .receipt.read").count()) === 2, 20_000, "both own messages read");
    // The page read the staff's messages while visible.
    await staffChat.waitFor("read", (f) => f.by === "customer" && f.seq === 4, 20_000);
    const stored = await api(sys, `/api/conversations/${conversationId}/messages`, { token: vip.token });
    assert.deepEqual(
      stored.body.messages.map((m: { sender: string; kind: string }) => [m.sender, m.kind]),
      [
        ["customer", "text"],
        ["customer", "image"],
        ["staff", "text"],
        ["staff", "emoji"],
      ],
    );
    await page.screenshot({ path: join(shots, "h5-chat.png") });

    await page.locator(".emoji-btn").click();
    await page.locator(".emoji-panel").waitFor();
    await page.screenshot({ path: join(shots, "h5-emoji.png") });
    await page.locator(".emoji-cell", { hasText: "🙏" }).click();
    await staffChat.waitFor("message", (f) => f.message.kind === "emoji" && f.message.text === "🙏", 20_000);

    assert.equal((await api(sys, `/api/conversations/${conversationId}/end`, { token: vip.token, body: {} })).status, 200);
    await page.locator(".rating-title").waitFor();
    // On a 390×844 phone the stars are on screen when the conversation ends, without scrolling.
    const onScreen = () =>
      page.locator(".star").evaluateAll((stars) => stars.length === 5 && stars.every((s) => s.getBoundingClientRect().top >= 0 && s.getBoundingClientRect().bottom <= innerHeight));
    assert.equal(await onScreen(), true, "rating stars inside the viewport");
    await page.locator(".star").nth(4).click();
    await page.locator(".comment").fill("讲解很清楚");
    await page.screenshot({ path: join(shots, "h5-rating.png") });
    await page.locator(".submit").click();
    await page.locator(".rated", { hasText: "感谢您的评价" }).waitFor();

    staffChat.close();
    feed.close();
    await page.context().close();
  });

  it("a reload keeps the guest session and the conversation with its history", async () => {
    const page = await phone();
    await page.goto(`${sys.url}/h5/`);
    await page.locator(".staff-name").waitFor();
    await page.locator(".input").fill("第一次来");
    await page.locator(".send-btn").click();
    await page.locator(".row.mine .receipt", { hasText: "未读" }).waitFor();
    const token = await page.evaluate(() => localStorage.getItem("kefu:h5:customer"));
    await page.reload();
    await page.locator(".row.mine .text", { hasText: "第一次来" }).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem("kefu:h5:customer")), token);
    assert.equal(await page.locator(".row.mine").count(), 1);
    await page.context().close();
  });
});
