// The content check's circuit breaker: pauses after failures in a row, probes once after the pause.
import assert from "node:assert/strict";
import { test } from "node:test";
import { CheckBreaker, FAILURES_TO_PAUSE } from "../../domain/wechat/check-breaker";

const PAUSE = 30_000;
const PROBE = 1_500;

test("pauses checks after failures in a row, not after failures an answer interrupts", () => {
  const b = new CheckBreaker();
  for (let i = 1; i < FAILURES_TO_PAUSE; i++) assert.equal(b.failed(0, PAUSE), false);
  b.answered();
  for (let i = 1; i < FAILURES_TO_PAUSE; i++) assert.equal(b.failed(0, PAUSE), false);
  assert.equal(b.allows(0, PROBE), true);
  assert.equal(b.failed(1000, PAUSE), true);
  assert.equal(b.allows(1000, PROBE), false);
  assert.equal(b.allows(1000 + PAUSE - 1, PROBE), false);
});

test("after the pause one check probes while the others stay paused; its answer decides", () => {
  const b = new CheckBreaker();
  for (let i = 0; i < FAILURES_TO_PAUSE; i++) b.failed(0, PAUSE);
  assert.equal(b.allows(PAUSE, PROBE), true, "the probe");
  assert.equal(b.allows(PAUSE + 10, PROBE), false, "others while it runs");
  // The probe failed: paused again at once, for a whole pause.
  assert.equal(b.failed(PAUSE + 100, PAUSE), true);
  assert.equal(b.allows(PAUSE + PROBE + 200, PROBE), false);
  assert.equal(b.allows(2 * PAUSE + 100, PROBE), true, "the next probe");
  b.answered();
  assert.equal(b.allows(2 * PAUSE + 101, PROBE), true);
  assert.equal(b.allows(2 * PAUSE + 102, PROBE), true, "closed: every check asks");
  assert.equal(b.failed(2 * PAUSE + 200, PAUSE), false, "a single failure after closing does not pause");
});
