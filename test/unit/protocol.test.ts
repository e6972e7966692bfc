// Edge cases of the frames and bodies every side exchanges (protocol/index.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientFrameSchema, historyQuerySchema, inboxQuerySchema, laterStatus, LIMITS, previewOf, sceneSchema, staffLoginSchema } from "../../protocol";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;
const send = (content: unknown, clientId = "client-0001") => ({ type: "send", clientId, content });

describe("client frames", () => {
  it("accept each kind of content", () => {
    assert.ok(ok(clientFrameSchema, send({ kind: "text", text: "你好" })));
    assert.ok(ok(clientFrameSchema, send({ kind: "emoji", text: "👍" })));
    assert.ok(ok(clientFrameSchema, send({ kind: "image", mediaKey: "media/conv_1/abc-DEF_1", width: 10, height: 10 })));
    assert.ok(ok(clientFrameSchema, send({ kind: "voice", mediaKey: "media/conv_1/abc", durationMs: 1500 })));
    assert.ok(ok(clientFrameSchema, { type: "read", seq: 0 }));
    assert.ok(ok(clientFrameSchema, { type: "sync", after: 12 }));
    assert.ok(ok(clientFrameSchema, { type: "typing" }));
  });

  it("refuse blank, oversized and malformed content with a message for people", () => {
    const blank = clientFrameSchema.safeParse(send({ kind: "text", text: "   " }));
    assert.equal(blank.error?.issues[0].message, "消息不能为空");
    assert.equal(ok(clientFrameSchema, send({ kind: "text", text: "字".repeat(LIMITS.textLength) })), true);
    assert.equal(ok(clientFrameSchema, send({ kind: "text", text: "字".repeat(LIMITS.textLength + 1) })), false);
    assert.equal(ok(clientFrameSchema, send({ kind: "system", text: "伪造的系统消息" })), false);
    assert.equal(ok(clientFrameSchema, send({ kind: "image", mediaKey: "../../etc/passwd" })), false);
    assert.equal(ok(clientFrameSchema, send({ kind: "image", mediaKey: "media/a/b/c" })), false);
    assert.equal(ok(clientFrameSchema, send({ kind: "voice", mediaKey: "media/a/b", durationMs: -1 })), false);
    assert.equal(ok(clientFrameSchema, send({ kind: "image", mediaKey: "media/a/b", width: 0 })), false);
  });

  it("refuse bad client ids, sequence numbers and unknown types", () => {
    assert.equal(clientFrameSchema.safeParse(send({ kind: "text", text: "x" }, "短")).success, false);
    assert.equal(clientFrameSchema.safeParse(send({ kind: "text", text: "x" }, "has space!")).error?.issues[0].message, "clientId 只能包含字母、数字、- 和 _");
    assert.equal(ok(clientFrameSchema, send({ kind: "text", text: "x" }, "x".repeat(LIMITS.clientIdLength + 1))), false);
    assert.equal(ok(clientFrameSchema, { type: "read", seq: -1 }), false);
    assert.equal(ok(clientFrameSchema, { type: "sync", after: 1.5 }), false);
    assert.equal(ok(clientFrameSchema, { type: "delete", seq: 1 }), false);
    assert.equal(ok(clientFrameSchema, null), false);
  });
});

describe("HTTP bodies and queries", () => {
  it("limit scenes to WeChat's 32 visible characters", () => {
    assert.ok(ok(sceneSchema, "staff=kf01"));
    assert.equal(ok(sceneSchema, "x".repeat(33)), false);
    assert.equal(ok(sceneSchema, "有中文"), false);
    assert.equal(ok(sceneSchema, "a b"), false);
    assert.equal(ok(sceneSchema, ""), false);
  });

  it("coerce query numbers and cap page sizes", () => {
    assert.deepEqual(inboxQuerySchema.parse({ limit: "20", before: "5" }), { limit: 20, before: 5 });
    assert.equal(inboxQuerySchema.parse({}).limit, 50);
    assert.equal(ok(inboxQuerySchema, { limit: String(LIMITS.pageSize + 1) }), false);
    assert.equal(ok(inboxQuerySchema, { status: "deleted" }), false);
    assert.equal(ok(historyQuerySchema, { before: "0" }), false);
    assert.equal(ok(historyQuerySchema, { after: "abc" }), false);
  });

  it("want a 6-digit TOTP code when one is given", () => {
    assert.ok(ok(staffLoginSchema, { code: "kf01", password: "demo123" }));
    assert.equal(staffLoginSchema.safeParse({ code: "kf01", password: "demo123", totp: "12345" }).error?.issues[0].message, "动态码为 6 位数字");
    assert.equal(ok(staffLoginSchema, { code: "", password: "x" }), false);
  });

  it("preview messages for lists and pushes", () => {
    assert.deepEqual(
      [previewOf({ kind: "text", text: "你好" }), previewOf({ kind: "image" }), previewOf({ kind: "voice" }), previewOf({ kind: "emoji" }), previewOf({ kind: "system", text: "已转接" })],
      ["你好", "[图片]", "[语音]", "[表情]", "已转接"],
    );
  });
});

describe("laterStatus", () => {
  it("keeps the later of two reports of a conversation's status, in either order", () => {
    for (const [a, b, later] of [
      ["pending", "pending", "pending"],
      ["pending", "active", "active"],
      ["active", "pending", "active"],
      ["active", "ended", "ended"],
      ["ended", "pending", "ended"],
    ] as const) assert.equal(laterStatus(a, b), later);
  });
});
