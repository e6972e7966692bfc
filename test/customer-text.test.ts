// Customer text staff will read is checked: `emoji` messages carry emoji only (the panel's emoji,
// skin tones, ZWJ families, flags and keycaps; any other text must go as a `text` message, which
// the content check sees), and rating comments go through msg_sec_check like messages.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EMOJIS } from "../client/format";
import { messageContentSchema } from "../protocol";
import { ALWAYS_WORKING, api, conversationPath, enter, loginCustomer, loginStaff, RawSocket, staffCodeOf, useTestSystem } from "./harness";

const sys = useTestSystem({ extraSql: ALWAYS_WORKING });

const emoji = (text: string) => messageContentSchema.safeParse({ kind: "emoji", text }).success;

describe("emoji messages", () => {
  it("accept real emoji and refuse other text", () => {
    for (const e of [...EMOJIS, "👍🏽", "👨‍👩‍👧", "🇨🇳", "1️⃣", "❤️", "🙏🙏"]) assert.ok(emoji(e), e);
    for (const t of ["hello", "加我微信 abc123", "1", "🙏 转账", "\u200d", " "]) assert.equal(emoji(t), false, JSON.stringify(t));
  });

  it("the conversation refuses text sent as an emoji with an error frame", async () => {
    const customer = await loginCustomer(sys, "emoji-only");
    const entry = await enter(sys, customer.token);
    const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "emoji-text-0001", content: { kind: "emoji", text: "加我微信" } });
    const refused = await socket.waitFor("error", (f) => f.code === "bad_frame", 10_000);
    assert.match(refused.message, /表情消息只能包含表情/);
    socket.send({ type: "send", clientId: "emoji-real-0001", content: { kind: "emoji", text: "🙏" } });
    await socket.waitFor("ack", (f) => f.clientId === "emoji-real-0001", 10_000);
    socket.close();
  });

  it("rating comments are checked like messages: a risky one is refused", async () => {
    const customer = await loginCustomer(sys, "rating-comment");
    const entry = await enter(sys, customer.token);
    const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "rating-first-0001", content: { kind: "text", text: "你好" } });
    await socket.waitFor("ack", (f) => f.clientId === "rating-first-0001", 10_000);
    socket.close();
    // Ratings come after the end.
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    assert.equal((await api(sys, `/api/conversations/${entry.conversationId}/end`, { token: staff.token, body: {} })).status, 200);
    const rate = (comment: string) => api(sys, `/api/conversations/${entry.conversationId}/rating`, { token: customer.token, body: { score: 1, comment } });
    const risky = await rate("这里有违规内容");
    assert.equal(risky.status, 422, JSON.stringify(risky.body));
    assert.equal(risky.body.code, "content_risky");
    const checked = sys.wechat.requests.filter((r) => r.route === "msg_sec_check").map((r) => (r.body as { content: string }).content);
    assert.ok(checked.includes("这里有违规内容"));
    assert.equal((await rate("服务很好")).status, 200);
  });
});
