// What a subscribe message says: the 20-character `thing` summary and the time field.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pushTime, thingValue } from "../../domain/push";
import { previewOf } from "../../protocol";

describe("push summaries", () => {
  it("fit WeChat's 20-character thing field; images and voice get a label", () => {
    assert.equal(thingValue("您好"), "您好");
    const long = thingValue("这是一条非常非常长的回复消息，超过了二十个字的限制");
    assert.equal([...long].length, 20);
    assert.ok(long.endsWith("…"));
    assert.equal(long, "这是一条非常非常长的回复消息，超过了二…");
    assert.equal(thingValue("一二三四五六七八九十一二三四五六七八九十"), "一二三四五六七八九十一二三四五六七八九十");
    assert.equal(thingValue("  多个\n空白\t字符  "), "多个 空白 字符");
    assert.equal(thingValue(previewOf({ kind: "image" })), "[图片]");
    assert.equal(thingValue(previewOf({ kind: "voice" })), "[语音]");
    assert.equal(thingValue(previewOf({ kind: "emoji", text: "👍" })), "👍");
  });

  it("counts characters, not UTF-16 units", () => {
    const emoji = thingValue("😀".repeat(25));
    assert.equal([...emoji].length, 20);
    assert.equal(emoji, `${"😀".repeat(19)}…`);
  });

  it("writes the time in the site's time zone", () => {
    assert.equal(pushTime(Date.UTC(2024, 4, 1, 6, 5), 480), "2024年5月1日 14:05");
    assert.equal(pushTime(Date.UTC(2024, 11, 31, 20, 0), 480), "2025年1月1日 04:00");
  });
});
