// When a WeChat API quota is back after a refusal: the next calendar minute, or the next day in China.
import assert from "node:assert/strict";
import { test } from "node:test";
import { WECHAT_ERRCODES as E } from "../../domain/wechat/client";
import { quotaBackAt } from "../../domain/wechat/quota";

const at = (iso: string) => Date.parse(iso);

test("a minute's quota is back at the next calendar minute, not 60 s later", () => {
  assert.equal(quotaBackAt(E.MINUTE_FREQUENCY, at("2026-11-26T12:34:59.900Z")), at("2026-11-26T12:35:00.000Z"));
  assert.equal(quotaBackAt(E.MINUTE_FREQUENCY, at("2026-11-26T12:35:00.000Z")), at("2026-11-26T12:36:00.000Z"));
  assert.equal(quotaBackAt(E.TOO_FREQUENT, at("2026-11-26T12:34:01.000Z")), at("2026-11-26T12:35:00.000Z"));
});

test("a day's quota is back at midnight in China (16:00 UTC)", () => {
  assert.equal(quotaBackAt(E.DAILY_QUOTA, at("2026-11-26T12:00:00Z")), at("2026-11-26T16:00:00Z"));
  assert.equal(quotaBackAt(E.DAILY_QUOTA, at("2026-11-26T15:59:59.999Z")), at("2026-11-26T16:00:00Z"));
  // 00:30 in China, 16:30 UTC the day before: the next China midnight is a day later.
  assert.equal(quotaBackAt(E.DAILY_QUOTA, at("2026-11-26T16:30:00Z")), at("2026-11-27T16:00:00Z"));
});

test("other errors say nothing about quotas", () => {
  for (const code of [-1, 40001, 40003, 43104, 61010]) assert.equal(quotaBackAt(code, Date.now()), null);
});
