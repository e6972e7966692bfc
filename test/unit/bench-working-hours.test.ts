// The bench's --working-hours: the hours it sets through the admin API contain now, or leave it
// out, at any time of day and on any weekday, by the server's own rule (domain/settings.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { workingHoursFor } from "../../bench/public-flow";
import { isWorkingTime } from "../../domain/settings";
import { workingHoursSchema } from "../../protocol";

describe("bench working hours", () => {
  // Every quarter hour of a week (the window wraps past midnight for half of them).
  const instants = Array.from({ length: 7 * 96 }, (_, i) => Date.UTC(2026, 0, 5) + i * 15 * 60_000 + 7_000);

  it("`on` contains now and stays on for hours", () => {
    for (const now of instants) {
      const hours = workingHoursSchema.parse(workingHoursFor("on", now));
      assert.equal(isWorkingTime(hours, now), true, new Date(now).toISOString());
      assert.equal(isWorkingTime(hours, now + 3 * 3600_000), true, `3 h after ${new Date(now).toISOString()}`);
    }
  });

  it("`off` leaves now out and stays off for hours", () => {
    for (const now of instants) {
      const hours = workingHoursSchema.parse(workingHoursFor("off", now));
      assert.equal(isWorkingTime(hours, now), false, new Date(now).toISOString());
      assert.equal(isWorkingTime(hours, now + 3 * 3600_000), false, `3 h after ${new Date(now).toISOString()}`);
    }
  });
});
