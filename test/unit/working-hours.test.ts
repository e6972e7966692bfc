// Working hours (rule 6.1) and the idle deadline (rule 6.3).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SETTINGS, idleDeadline, isWorkingTime, settingsPatchSchema } from "../../domain/settings";

const beijing = (y: number, m: number, d: number, hh: number, mm = 0) => Date.UTC(y, m - 1, d, hh - 8, mm);
const office = DEFAULT_SETTINGS.workingHours; // Mon–Fri 09:00–18:00, UTC+8

describe("isWorkingTime", () => {
  it("follows the site's time zone, start inclusive and end exclusive", () => {
    // Monday 5 January 2026.
    assert.equal(isWorkingTime(office, beijing(2026, 1, 5, 8, 59)), false);
    assert.equal(isWorkingTime(office, beijing(2026, 1, 5, 9, 0)), true);
    assert.equal(isWorkingTime(office, beijing(2026, 1, 5, 17, 59)), true);
    assert.equal(isWorkingTime(office, beijing(2026, 1, 5, 18, 0)), false);
    // 02:00 UTC on Monday is 10:00 in Beijing but 21:00 on Sunday in New York (UTC-5).
    assert.equal(isWorkingTime({ ...office, utcOffsetMinutes: -300 }, beijing(2026, 1, 5, 10)), false);
  });

  it("counts ISO weekdays, Sunday being 7", () => {
    assert.equal(isWorkingTime(office, beijing(2026, 1, 10, 10)), false); // Saturday
    assert.equal(isWorkingTime(office, beijing(2026, 1, 11, 10)), false); // Sunday
    assert.equal(isWorkingTime({ ...office, days: [7] }, beijing(2026, 1, 11, 10)), true);
    assert.equal(isWorkingTime({ ...office, days: [] }, beijing(2026, 1, 5, 10)), false);
  });

  it("wraps a night shift past midnight", () => {
    const night = { ...office, start: "22:00", end: "06:00", days: [1, 2, 3, 4, 5, 6, 7] };
    assert.equal(isWorkingTime(night, beijing(2026, 1, 5, 23)), true);
    assert.equal(isWorkingTime(night, beijing(2026, 1, 5, 5, 59)), true);
    assert.equal(isWorkingTime(night, beijing(2026, 1, 5, 6)), false);
    assert.equal(isWorkingTime(night, beijing(2026, 1, 5, 12)), false);
  });

  it("is always working time when disabled", () => {
    assert.equal(isWorkingTime({ ...office, enabled: false, days: [] }, beijing(2026, 1, 11, 3)), true);
  });
});

describe("settings", () => {
  it("ends a conversation sessionTimeoutSeconds after its last message, and a visit visitTimeoutSeconds after it opened", () => {
    const timeouts = { sessionTimeoutSeconds: 60, visitTimeoutSeconds: 30 };
    assert.equal(idleDeadline({ lastMessageAt: 10_000, createdAt: 1_000, startedAt: 5_000 }, timeouts), 70_000);
    assert.equal(idleDeadline({ lastMessageAt: null, createdAt: 1_000, startedAt: null }, timeouts), 31_000);
    assert.equal(idleDeadline({ lastMessageAt: null, createdAt: 1_000, startedAt: null }, { ...timeouts, visitTimeoutSeconds: 600 }), 61_000, "never longer than a conversation");
  });

  it("refuses bad patches with a message for people", () => {
    assert.equal(settingsPatchSchema.safeParse({ sessionTimeoutSeconds: 0 }).error?.issues[0].message, "会话超时至少 1 秒");
    assert.equal(settingsPatchSchema.safeParse({ workingHours: { ...office, start: "24:00" } }).error?.issues[0].message, "时间格式应为 HH:MM");
    assert.equal(settingsPatchSchema.safeParse({ workingHours: { ...office, days: [0] } }).success, false);
    assert.equal(settingsPatchSchema.safeParse({ unknown: 1 }).success, false);
    assert.equal(settingsPatchSchema.safeParse({ pushPerHour: 101 }).error?.issues[0].message, "推送上限每小时最多 100 条");
    assert.equal(settingsPatchSchema.safeParse({ pushPerHour: 0, retentionDays: 30 }).success, true);
  });
});
