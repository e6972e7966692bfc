// The one JSON error builder: status always the code's, content-type always set, and an actor's
// error keeps its code across Durable Object RPC (which passes only the message on).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actorError, ApiError, errorResponse } from "../../domain/errors";
import { ERROR_STATUS, type ErrorCode } from "../../protocol";

async function answer(error: unknown) {
  const res = errorResponse(error);
  return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
}

describe("error responses", () => {
  it("answer every code with its own status and a JSON content type", async () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      const res = await answer(new ApiError(code, "说明"));
      assert.deepEqual(res, { status: ERROR_STATUS[code], type: "application/json; charset=utf-8", body: { code, message: "说明" } });
    }
  });

  it("turn an actor's error back into its code after RPC dropped its class", async () => {
    const thrown = actorError("conversation_ended", "会话已结束，无法转接");
    const afterRpc = new Error(thrown.message);
    assert.deepEqual(await answer(afterRpc), { status: 409, type: "application/json; charset=utf-8", body: { code: "conversation_ended", message: "会话已结束，无法转接" } });
  });

  it("answer anything else 500 without its details", async () => {
    const original = console.error;
    console.error = () => undefined;
    try {
      assert.deepEqual((await answer(new Error("kefu-error:made_up:x"))).body, { code: "internal", message: "服务器内部错误" });
      assert.equal((await answer(new TypeError("boom"))).status, 500);
    } finally {
      console.error = original;
    }
  });

  it("keep extra headers such as Retry-After", () => {
    const res = errorResponse(new ApiError("rate_limited", "慢一点", { "retry-after": "3" }));
    assert.equal(res.headers.get("retry-after"), "3");
  });
});
