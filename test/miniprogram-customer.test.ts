// Customer pages of the mini program, rendered by miniprogram-simulate against a real wrangler dev.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALWAYS_WORKING, api, conversationPath, eventually, loginStaff, RawSocket, staffPath, startTestSystem, type TestSystem } from "./harness";
import { attrs, closePage, createWx, find, renderPage, setupMiniprogram, texts, waitForText, type WxShim } from "./miniprogram-shim";

let sys: TestSystem;
let shim: WxShim;
let vipFeed: RawSocket;

before(async () => {
  // One staff identity writes a long history below (sends are limited per identity, not per socket).
  sys = await startTestSystem({ extraSql: ALWAYS_WORKING, vars: { RATE_LIMITS: "send_identity=100/10" } });
  shim = createWx({ loginCode: "mp-customer-1" });
  await setupMiniprogram(shim, sys.url);
  const vip = await loginStaff(sys, "vip01");
  vipFeed = new RawSocket(sys, staffPath(vip.id), vip.token);
  await vipFeed.opened;
});
after(async () => {
  vipFeed?.close();
  for (const s of shim?.sockets ?? []) s.drop();
  await sys?.close();
});

describe("mini program customer pages", () => {
  let conversationId = "";

  it("entry with an exclusive QR scene shows the exclusive staff card", async () => {
    const page = renderPage("pages/entry/entry");
    page.instance.onLoad({ scene: encodeURIComponent("vip01") });
    await waitForText(page, "staff-name", "陈顾问");
    assert.deepEqual(texts(page, "staff-specialty"), ["专属理财顾问"]);
    assert.deepEqual(texts(page, "staff-tag"), ["专属顾问"]);
    assert.equal(texts(page, "weui-cells__title")[0], "您的专属顾问");
    assert.match(texts(page, "staff-presence")[0], /在线/);
    // The card's avatar is the staff avatar served by the worker.
    assert.match(attrs(page, "staff-avatar", "src")[0], new RegExp(`^${sys.url}/avatars/\\d\\.svg$`));
    conversationId = page.data.conversationId;
    assert.match(conversationId, /^c_[0-9a-f]{32}$/);

    // The login went through wx.login → /api/auth/customer; the entry carried the scene.
    assert.ok(shim.record.requests.some((r) => r.url.endsWith("/api/auth/customer")));
    page.querySelector(".start-chat")!.dispatchEvent("tap");
    await eventually(() => shim.record.navigations.some((n) => n.url === `/pages/chat/chat?conversationId=${conversationId}&exclusive=1`), 10_000, "navigate to chat");
    closePage(page);
  });

  it("sending shows the bubble as sending, then its acknowledgement, and asks for the subscribe message", async () => {
    const page = renderPage("pages/chat/chat");
    page.instance.onLoad({ conversationId });
    await waitForText(page, "staff-name", "陈顾问");
    await eventually(() => shim.openSockets().length > 0 && page.data.connected, 15_000, "chat socket open");

    // A slow network: the frame is held, so the bubble must show "sending" first.
    shim.network.holdSends = true;
    const composer = page.querySelector("#composer")!;
    composer.setData({ text: "你好，我想了解理财产品" });
    composer.querySelector(".send-btn")!.dispatchEvent("tap");
    await waitForText(page, "text", "你好，我想了解理财产品");
    await waitForText(page, "sending", "发送中…");
    assert.equal(texts(page, "receipt").length, 0);
    // The send tap asked for the subscribe message (template ids from the server or the fallback).
    assert.equal(shim.record.subscribeRequests.length, 1);
    assert.ok(shim.record.subscribeRequests[0].length >= 1);
    // The answer ("accept" in the shim) reached POST /api/subscriptions: one push credit.
    const customerToken = JSON.parse(String(shim.storage.get("kefu:customer"))).token as string;
    await eventually(
      async () => {
        const res = await api(sys, "/api/subscriptions", { token: customerToken });
        return res.body.subscriptions?.some((x: { credits: number; lastResult: string }) => x.credits >= 1 && x.lastResult === "accept");
      },
      10_000,
      "subscription credit recorded",
    );

    shim.release();
    // Acknowledged: the bubble is sent, and unread by the staff so far.
    await waitForText(page, "receipt", "未读");
    assert.equal(texts(page, "sending").length, 0);
    const stored = await api(sys, `/api/conversations/${conversationId}/messages`, { token: (await loginStaff(sys, "vip01")).token });
    assert.deepEqual(
      stored.body.messages.map((m: { seq: number; text: string }) => [m.seq, m.text]),
      [[1, "你好，我想了解理财产品"]],
    );

    // The staff reads it: the receipt turns to 已读; the staff replies: a bubble from the other side.
    const vip = await loginStaff(sys, "vip01");
    const staffSocket = new RawSocket(sys, conversationPath(conversationId), vip.token);
    await staffSocket.opened;
    staffSocket.send({ type: "read", seq: 1 });
    await waitForText(page, "receipt", "已读");
    staffSocket.send({ type: "send", clientId: "staff-reply-0001", content: { kind: "text", text: "您好，我是陈顾问，请问有什么可以帮您？" } });
    await waitForText(page, "text", "您好，我是陈顾问，请问有什么可以帮您？");
    const theirs = find(page, "theirs");
    assert.equal(theirs.length, 1);
    // The customer page marks the staff reply read while it is visible.
    await staffSocket.waitFor("read", (f) => f.by === "customer" && f.seq === 2, 10_000);
    staffSocket.close();
    closePage(page);
  });

  it("sends a photo and a voice message through wx.uploadFile", async () => {
    const page = renderPage("pages/chat/chat");
    page.instance.onLoad({ conversationId });
    await eventually(() => page.data.connected, 15_000, "chat socket open");
    page.instance.onImage();
    await eventually(() => attrs(page, "image", "src").some((src) => src.startsWith(`${sys.url}/api/media/${conversationId}/`)), 15_000, "image bubble with the uploaded media");
    const composer = page.querySelector("#composer")!;
    // Held down: recording starts once the microphone permission is confirmed, then released.
    await composer.instance.startRecord();
    composer.instance.stopRecord();
    await waitForText(page, "voice-len", "2″");
    await eventually(() => page.data.bubbles.every((b: { state: string }) => b.state === "sent"), 15_000, "all sent");
    const kinds = page.data.bubbles.map((b: { kind: string }) => b.kind);
    assert.deepEqual(kinds.slice(-2), ["image", "voice"]);
    // Tap to play: the recorded voice is played from the server, once its signed URL has come.
    await eventually(() => page.data.bubbles.some((b: { kind: string; voiceUrl: string }) => b.kind === "voice" && b.voiceUrl.includes("?sig=")), 10_000, "signed voice URL");
    page.querySelector("#messages")!.querySelector(".voice")!.dispatchEvent("tap");
    await eventually(() => shim.record.played.length === 1, 10_000, "voice played");
    assert.match(shim.record.played[0], new RegExp(`^${sys.url}/api/media/${conversationId}/[0-9a-f]+\\?sig=`));
    closePage(page);
  });

  it("opening from a push lands in the conversation, loads older history on pull-down, and rates after the end", async () => {
    const vip = await loginStaff(sys, "vip01");
    // Enough history that the first page does not hold it all.
    const staffSocket = new RawSocket(sys, conversationPath(conversationId), vip.token);
    const second = new RawSocket(sys, conversationPath(conversationId), vip.token);
    await Promise.all([staffSocket.opened, second.opened]);
    for (let i = 0; i < 36; i++) {
      (i < 18 ? staffSocket : second).send({ type: "send", clientId: `bulk-${String(i).padStart(6, "0")}`, content: { kind: "text", text: `第 ${i + 1} 条说明` } });
      if (i === 17) await staffSocket.waitFor("ack", (f) => f.clientId === "bulk-000017", 20_000);
    }
    await second.waitFor("ack", (f) => f.clientId === "bulk-000035", 20_000);
    second.close();

    const page = renderPage("pages/chat/chat");
    page.instance.onLoad({ conversationId, pushId: "push-test-1" });
    await waitForText(page, "text", "第 36 条说明");
    assert.ok(shim.record.requests.some((r) => r.method === "POST" && r.url.endsWith("/api/pushes/push-test-1/click")));
    assert.equal(page.data.hasOlder, true);
    const before = page.data.bubbles.length;
    await page.instance.onPullDownRefresh();
    await eventually(() => page.data.bubbles.length > before, 10_000, "older page shown");
    assert.equal(page.data.bubbles[0].text, "你好，我想了解理财产品");

    const ended = await api(sys, `/api/conversations/${conversationId}/end`, { token: vip.token, body: {} });
    assert.equal(ended.status, 200);
    await eventually(() => find(page, "rating-title").length === 1, 15_000, "rating shown");
    const rating = page.querySelector("#rating")!;
    rating.setData({ score: 5, comment: "很专业" });
    rating.querySelector(".submit")!.dispatchEvent("tap");
    await waitForText(page, "rated", "感谢您的评价！");
    staffSocket.close();
    closePage(page);
  });

  it("keeps an unsent message across a restart of the mini program and sends it once when the chat opens again", async () => {
    const page = renderPage("pages/chat/chat");
    page.instance.onLoad({});
    await eventually(() => page.data.connected && page.data.conversationId, 15_000, "chat open");
    const id = page.data.conversationId as string;

    // The frame never leaves the phone, then the app is killed.
    shim.network.holdSends = true;
    const composer = page.querySelector("#composer")!;
    composer.setData({ text: "重启前没发出去的消息" });
    composer.querySelector(".send-btn")!.dispatchEvent("tap");
    await waitForText(page, "sending", "发送中…");
    const saved = JSON.parse(String(shim.storage.get(`kefu:outbox:${id}`)));
    assert.equal(saved.length, 1);
    closePage(page);
    for (const s of shim.sockets) s.drop();
    shim.network.holdSends = false;

    const again = renderPage("pages/chat/chat");
    again.instance.onLoad({ conversationId: id });
    const admin = await loginStaff(sys, "admin", "admin123");
    const stored = await eventually(
      async () => {
        const res = await api(sys, `/api/conversations/${id}/messages`, { token: admin.token });
        const found = res.body.messages.filter((m: { text: string }) => m.text === "重启前没发出去的消息");
        return found.length > 0 && found;
      },
      15_000,
      "the message stored after the restart",
    );
    assert.equal(stored.length, 1);
    assert.equal(stored[0].clientId, saved[0].clientId, "sent again under its own client id");
    await eventually(() => !shim.storage.has(`kefu:outbox:${id}`), 10_000, "outbox emptied by the ack");
    closePage(again);
  });
});
