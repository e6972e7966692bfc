// Staff pages of the mini program, rendered by miniprogram-simulate against a real wrangler dev.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALWAYS_WORKING, api, conversationPath, copiedToD1, enter, eventually, loginCustomer, loginStaff, RawSocket, startTestSystem, type TestSystem, staffCodeOf } from "./harness";
import { FLAGGED_NOTICE } from "../client/chat-session";
import { closePage, createWx, find, renderPage, setupMiniprogram, texts, waitForText, type WxShim } from "./miniprogram-shim";

let sys: TestSystem;
let shim: WxShim;

before(async () => {
  sys = await startTestSystem({ extraSql: ALWAYS_WORKING });
  shim = createWx();
  await setupMiniprogram(shim, sys.url);
});
after(async () => {
  for (const s of shim?.sockets ?? []) s.drop();
  await sys?.close();
});

describe("mini program staff pages", () => {
  it("logs in, shows the red dot with the unread count live, and clears it when the chat is read", async () => {
    const login = renderPage("pages/staff-login/staff-login");
    login.instance.onLoad();
    login.setData({ code: "kf02", password: "wrong-password" });
    login.querySelector(".login-btn")!.dispatchEvent("tap");
    await waitForText(login, "login-error", "工号或密码错误");
    login.setData({ password: "demo123" });
    login.querySelector(".login-btn")!.dispatchEvent("tap");
    await eventually(() => shim.record.navigations.some((n) => n.kind === "redirectTo" && n.url === "/pages/staff-inbox/staff-inbox"), 15_000, "to inbox");
    closePage(login);

    const inbox = renderPage("pages/staff-inbox/staff-inbox");
    inbox.instance.onLoad();
    await eventually(() => inbox.data.connected && !inbox.data.loading, 15_000, "inbox loaded and live");
    assert.deepEqual(texts(inbox, "conv"), []);
    assert.equal(inbox.data.presence, "online");

    // A customer scans kf02's code and writes twice.
    const customer = await loginCustomer(sys, "staff-test-customer");
    const entry = await enter(sys, customer.token, "kf02");
    assert.equal(staffCodeOf(entry.staff), "kf02");
    const customerSocket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await customerSocket.opened;
    customerSocket.send({ type: "send", clientId: "customer-msg-0001", content: { kind: "text", text: "请问还有货吗？" } });
    customerSocket.send({ type: "send", clientId: "customer-msg-0002", content: { kind: "emoji", text: "🙏" } });
    await customerSocket.waitFor("ack", (f) => f.clientId === "customer-msg-0002", 10_000);

    // Live from the staff room: one row, red dot "2", the last message and its time. The first
    // message reaches the inbox on its own (it is in D1 before its ack), the second moves the dot
    // from 1 to 2: miniprogram-simulate leaves that keyed row's text as first drawn, so the page's data is read.
    await eventually(() => inbox.data.rows.length === 1 && inbox.data.rows[0].badge === "2", 15_000, "red dot 2 in the page data");
    assert.equal(find(inbox, "conv").length, 1);
    assert.deepEqual(texts(inbox, "conv-preview"), ["🙏"]);
    assert.match(texts(inbox, "conv-time")[0], /^\d{2}:\d{2}$/);
    assert.equal(shim.record.titles.at(-1), "消息(2)");

    // The filters reload the list over HTTP, which reads D1: its copy of the room may be a moment behind.
    await copiedToD1(sys, entry.conversationId, 2);
    // Filters: the conversation is active, so "已结束" hides it and "全部" brings it back.
    inbox.instance.onStatus({ currentTarget: { dataset: { value: "ended" } } });
    await eventually(() => !inbox.data.loading && inbox.data.rows.length === 0, 10_000, "ended filter empty");
    inbox.instance.onStatus({ currentTarget: { dataset: { value: "" } } });
    await waitForText(inbox, "unread-badge", "2");

    // Opening the chat (the inbox stays alive underneath, as with wx.navigateTo) reads the messages.
    inbox.querySelector(".conv")!.dispatchEvent("tap");
    await eventually(() => shim.record.navigations.some((n) => n.url.startsWith(`/pages/staff-chat/staff-chat?conversationId=${entry.conversationId}`)), 10_000, "to chat");
    const chat = renderPage("pages/staff-chat/staff-chat");
    chat.instance.onLoad({ conversationId: entry.conversationId, customerId: customer.id });
    await waitForText(chat, "text", "请问还有货吗？");
    await waitForText(chat, "emoji", "🙏");
    await customerSocket.waitFor("read", (f) => f.by === "staff" && f.seq === 2, 10_000);
    await eventually(() => find(inbox, "unread-badge").length === 0, 15_000, "red dot cleared");
    assert.equal(inbox.data.rows[0].unread, 0);
    assert.equal(shim.record.titles.at(-1), "消息");

    // Text WeChat's check holds for review reaches staff with a notice; the other messages carry none.
    customerSocket.send({ type: "send", clientId: "customer-msg-0003", content: { kind: "text", text: "这句话待审" } });
    await waitForText(chat, "flag", FLAGGED_NOTICE);
    assert.equal(find(chat, "flag").length, 1);

    // A quick reply goes out as a normal message; the customer receives it.
    await eventually(() => chat.data.quickReplies.length > 0 || chat.data.connected, 10_000, "chat ready");
    const composer = chat.querySelector("#composer")!;
    composer.setData({ text: "有货的，今天下单明天发货" });
    composer.querySelector(".send-btn")!.dispatchEvent("tap");
    await customerSocket.waitFor("message", (f) => f.message.text === "有货的，今天下单明天发货", 10_000);
    await waitForText(chat, "receipt", "未读");
    // Staff replies never ask for subscribe messages (that is the customer's consent).
    assert.equal(shim.record.subscribeRequests.length, 0);

    // Busy and offline: the presence switch reaches the staff room.
    inbox.instance.onPresence({ currentTarget: { dataset: { value: "busy" } } });
    await eventually(() => inbox.data.presence === "busy", 10_000, "busy");
    inbox.instance.onPresence({ currentTarget: { dataset: { value: "offline" } } });
    // Offline is a status: the room records it, the feed stays open and keeps delivering.
    const colleague = await loginStaff(sys, "kf01");
    const stored = async () => (await api(sys, "/api/colleagues", { token: colleague.token })).body.staff.find((s: any) => s.code === "kf02").presence;
    await eventually(async () => (await stored()) === "offline", 10_000, "kf02 offline");
    assert.equal(inbox.data.presence, "offline");
    assert.equal(inbox.data.connected, true, "the feed stays open");
    customerSocket.send({ type: "send", clientId: "while-offline", content: { kind: "text", text: "还在吗" } });
    await eventually(() => texts(inbox, "conv-preview").includes("还在吗"), 10_000, "inbox still live while offline");

    customerSocket.close();
    closePage(chat);
    closePage(inbox);
  });
});
