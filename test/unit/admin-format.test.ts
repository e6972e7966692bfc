// How the console shows durations: response times and waits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fmtSeconds } from "../../admin/ui";

test("durations read as whole seconds, minutes with two-digit seconds, or hours and minutes", () => {
  assert.equal(fmtSeconds(null), "—");
  assert.equal(fmtSeconds(44.6), "45 秒");
  assert.equal(fmtSeconds(59.4), "59 秒");
  assert.equal(fmtSeconds(59.6), "1 分 00 秒");
  assert.equal(fmtSeconds(104.6), "1 分 45 秒");
  assert.equal(fmtSeconds(195), "3 分 15 秒");
  assert.equal(fmtSeconds(3599), "59 分 59 秒");
  assert.equal(fmtSeconds(6265), "1 小时 44 分");
});
