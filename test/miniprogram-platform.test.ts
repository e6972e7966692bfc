// The mini program against a `wx` shim as strict as a phone: what wx.request, wx.connectSocket and
// wx.requestSubscribeMessage refuse, saving a profile without PATCH, and no socket left behind by a
// page that is left while it loads.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ALWAYS_WORKING, api, enter, eventually, loginCustomer, loginStaff, socketTicketOf, startTestSystem, type TestSystem } from "./harness";
import { closePage, createWx, duringTap, find, renderPage, setupMiniprogram, texts, type WxShim } from "./miniprogram-shim";

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

function call<T>(fn: (cb: { success: (r: T) => void; fail: (e: { errMsg: string }) => void }) => void): Promise<{ ok: true; res: T } | { ok: false; errMsg: string }> {
  return new Promise((resolve) => fn({ success: (res) => resolve({ ok: true, res }), fail: (e) => resolve({ ok: false, errMsg: e.errMsg }) }));
}

/**
 * Waits until every wx.request / wx.uploadFile the page started has been answered, then one
 * network round trip more: partysocket opens its socket from a setTimeout(0) after the last
 * answer, which always fires before a round trip completes.
 */
async function settled(): Promise<void> {
  await eventually(() => shim.record.pending === 0, 15_000, "requests answered");
  await api(sys, "/api/health");
}

describe("the wx shim refuses what WeChat refuses", () => {
  it("wx.request: no PATCH, `header` not `headers`, text or arraybuffer responses only", async () => {
    const url = `${sys.url}/api/health`;
    const patch = await call((cb) => shim.wx.request({ url, method: "PATCH", ...cb }));
    assert.equal(patch.ok, false);
    assert.match(!patch.ok ? patch.errMsg : "", /method should be one of OPTIONS, GET, HEAD, POST, PUT, DELETE, TRACE, CONNECT/);
    const headers = await call((cb) => shim.wx.request({ url, headers: { authorization: "Bearer x" }, ...cb } as never));
    assert.equal(headers.ok, false);
    const blob = await call((cb) => shim.wx.request({ url, responseType: "blob", ...cb }));
    assert.equal(blob.ok, false);
    const ok = await call<{ statusCode: number }>((cb) => shim.wx.request({ url, method: "GET", ...cb }));
    assert.ok(ok.ok);
  });

  it("wx.requestSubscribeMessage works only inside a tap", async () => {
    const outside = await call((cb) => shim.wx.requestSubscribeMessage({ tmplIds: ["t1"], ...cb }));
    assert.equal(outside.ok, false);
    assert.match(!outside.ok ? outside.errMsg : "", /TAP gesture/);
    const inside = await call((cb) => duringTap(() => shim.wx.requestSubscribeMessage({ tmplIds: ["t1"], ...cb })));
    assert.ok(inside.ok);
  });

  it("a 6th concurrent socket fails", async () => {
    const customer = await loginCustomer(sys, "platform-sockets");
    const entry = await enter(sys, customer.token);
    const url = `${sys.url.replace(/^http/, "ws")}/parties/conversation-room/${entry.conversationId}?ticket=${socketTicketOf(customer.token)}`;
    const before = shim.sockets.length;
    const tasks = Array.from({ length: 5 }, () => shim.wx.connectSocket({ url }));
    await eventually(() => shim.openSockets().length >= 5, 15_000, "five sockets open");
    const sixth = await new Promise<string>((resolve) => shim.wx.connectSocket({ url, fail: (e) => resolve(e.errMsg) }));
    assert.match(sixth, /exceed max task count/);
    assert.equal(shim.sockets.length, before + 5);
    for (const t of tasks) t.close();
    await eventually(() => shim.openSockets().length === 0, 15_000, "sockets closed");
  });
});

describe("the mini program passes the strict shim", () => {
  it("staff save a customer's profile from the mini program (PUT, not PATCH)", async () => {
    const customer = await loginCustomer(sys, "platform-profile");
    const entry = await enter(sys, customer.token, "kf02");
    const staff = await loginStaff(sys, "kf02");
    shim.storage.set("kefu:staff", JSON.stringify(staff));
    const firstRequest = shim.record.requests.length;
    const page = renderPage("pages/staff-customer/staff-customer");
    page.instance.onLoad({ customerId: customer.id, conversationId: entry.conversationId });
    await eventually(() => !page.data.loading, 15_000, "profile loaded");
    // Opened from this conversation's chat: its history lists the earlier ones only (none here).
    assert.deepEqual(page.data.history, []);
    page.setData({ tags: ["高意向"], note: "想了解理财", phone: "13800000000" });
    page.querySelector(".save-btn")!.dispatchEvent("tap");
    await eventually(() => shim.record.toasts.includes("已保存") || shim.record.toasts.length > 0, 15_000, "saved");
    assert.deepEqual(shim.record.toasts, ["已保存"]);
    assert.deepEqual(
      shim.record.requests.slice(firstRequest).map((r) => r.method),
      ["GET", "PUT"],
    );
    const stored = await api(sys, `/api/customers/${customer.id}`, { token: staff.token });
    assert.deepEqual(stored.body.customer.tags, ["高意向"]);
    assert.equal(stored.body.customer.note, "想了解理财");
    closePage(page);
    shim.storage.delete("kefu:staff");
  });

  it("opens only pages app.json registers, as WeChat does", () => {
    const failed: string[] = [];
    shim.wx.navigateTo({ url: "/pages/staff-password/staff-password", fail: (e: { errMsg: string }) => failed.push(e.errMsg) });
    shim.wx.navigateTo({ url: "/pages/nowhere/nowhere?x=1", fail: (e: { errMsg: string }) => failed.push(e.errMsg) });
    assert.deepEqual(failed, ['navigateTo:fail page "pages/nowhere/nowhere" is not found']);
    assert.deepEqual(shim.record.navigationFailures.splice(0), ["/pages/nowhere/nowhere?x=1"]);
  });

  it("staff change their own password from the mini program, which signs every device out", async () => {
    const admin = await loginStaff(sys, "admin", "admin123");
    assert.equal((await api(sys, "/api/admin/staff", { token: admin.token, body: { code: "mppw01", name: "小程序改密", password: "first-pass-1" } })).status, 201);
    const staff = await loginStaff(sys, "mppw01", "first-pass-1");
    const otherDevice = await loginStaff(sys, "mppw01", "first-pass-1");
    shim.storage.set("kefu:staff", JSON.stringify(staff));
    const page = renderPage("pages/staff-password/staff-password");
    page.setData({ current: "first-pass-1", next: "second-pass-2", confirm: "second-pass-x" });
    page.querySelector(".submit-btn")!.dispatchEvent("tap");
    await eventually(() => page.data.error === "两次输入的新密码不一致", 5_000, "mismatch refused");
    page.setData({ current: "wrong-pass", confirm: "second-pass-2" });
    page.querySelector(".submit-btn")!.dispatchEvent("tap");
    await eventually(() => page.data.error === "当前密码不正确", 15_000, "wrong current password refused");
    assert.ok(shim.storage.has("kefu:staff"), "a refused change keeps the session");
    page.setData({ current: "first-pass-1" });
    page.querySelector(".submit-btn")!.dispatchEvent("tap");
    await eventually(() => shim.record.navigations.some((n) => n.kind === "reLaunch" && n.url === "/pages/staff-login/staff-login"), 15_000, "back to the login page");
    assert.equal(shim.storage.has("kefu:staff"), false);
    assert.ok(shim.record.toasts.includes("密码已修改，请用新密码重新登录"));
    assert.equal((await api(sys, "/api/auth/me", { token: otherDevice.token })).status, 401);
    assert.equal((await loginStaff(sys, "mppw01", "second-pass-2")).id, staff.id);
    assert.deepEqual(shim.record.navigationFailures, []);
    closePage(page);
  });

  it("leaving the chat page while it loads opens no socket", async () => {
    const customer = await loginCustomer(sys, "platform-leave-chat");
    const entry = await enter(sys, customer.token);
    shim.storage.set("kefu:customer", JSON.stringify(customer));
    const attempts = shim.connectAttempts.length;
    const page = renderPage("pages/chat/chat");
    page.instance.onLoad({ conversationId: entry.conversationId });
    closePage(page);
    // The load goes on (subscriptions, maybe history) and ends; no socket may follow it.
    await eventually(() => shim.record.requests.some((r) => r.url.endsWith("/api/subscriptions")), 15_000, "load started");
    await settled();
    assert.equal(shim.connectAttempts.length, attempts);
    shim.storage.delete("kefu:customer");
  });

  it("leaving the staff inbox while it loads opens no socket (the staff member does not stay online)", async () => {
    const staff = await loginStaff(sys, "kf01");
    shim.storage.set("kefu:staff", JSON.stringify(staff));
    const attempts = shim.connectAttempts.length;
    const page = renderPage("pages/staff-inbox/staff-inbox");
    page.instance.onLoad();
    closePage(page);
    await eventually(() => shim.record.requests.some((r) => r.url.endsWith("/api/auth/me")), 15_000, "me requested");
    await settled();
    assert.equal(shim.connectAttempts.length, attempts);
    shim.storage.delete("kefu:staff");
  });

  it("asks for subscribe messages only when credits are low, not again right after a refusal, never with the photo picker, and shows whether replies reach the customer", async () => {
    const customer = await loginCustomer(sys, "platform-subscribe");
    const entry = await enter(sys, customer.token);
    shim.storage.set("kefu:customer", JSON.stringify(customer));
    const page = renderPage("pages/chat/chat");
    page.instance.onLoad({ conversationId: entry.conversationId });
    await eventually(() => page.data.connected && page.data.replyReach, 15_000, "chat ready");
    assert.equal(page.data.replyReach.reachable, false);
    assert.match(texts(page, "reply-reach")[0], /收不到客服回复的通知/);
    const asked = shim.record.subscribeRequests.length;
    const composer = page.querySelector("#composer")!;
    const send = async (text: string) => {
      composer.setData({ text });
      composer.querySelector(".send-btn")!.dispatchEvent("tap");
      await eventually(() => page.data.bubbles.some((b: { text?: string; state: string }) => b.text === text && b.state === "sent"), 15_000, `${text} sent`);
    };

    // A refusal: the next taps do not ask again.
    shim.permissions.subscribe = "reject";
    await send("第一条");
    await send("第二条");
    await send("第三条");
    assert.equal(shim.record.subscribeRequests.length, asked + 1);

    // The photo picker comes alone.
    composer.setData({ panel: "more" });
    composer.querySelector(".more-item")!.dispatchEvent("tap");
    await eventually(() => shim.record.pickers > 0, 10_000, "picker opened");
    assert.equal(shim.record.subscribeRequests.length, asked + 1);
    closePage(page);

    // With enough credits nobody is asked, and the page says replies will reach the customer.
    shim.permissions.subscribe = "accept";
    for (let i = 0; i < 3; i++) await api(sys, "/api/subscriptions", { token: customer.token, body: { results: { TPL_REPLY: "accept" } } });
    const again = renderPage("pages/chat/chat");
    again.instance.onLoad({ conversationId: entry.conversationId });
    await eventually(() => again.data.connected && again.data.replyReach, 15_000, "chat ready again");
    assert.equal(again.data.replyReach.reachable, true);
    const before = shim.record.subscribeRequests.length;
    const c2 = again.querySelector("#composer")!;
    c2.setData({ text: "第四条" });
    c2.querySelector(".send-btn")!.dispatchEvent("tap");
    await eventually(() => again.data.bubbles.some((b: { text?: string; state: string }) => b.text === "第四条" && b.state === "sent"), 15_000, "sent");
    assert.equal(shim.record.subscribeRequests.length, before);
    assert.equal(find(again, "reply-reach").length, 1);
    closePage(again);
    shim.storage.delete("kefu:customer");
  });
});
