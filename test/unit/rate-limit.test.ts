// Rate-limit policies: parsing RATE_LIMITS and the token bucket.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BucketMap, DEFAULT_RATE_LIMITS, FrameLimiter, isFull, rateLimits, take } from "../../domain/rate-limit";

describe("token bucket", () => {
  it("allows a burst of `limit`, then refuses with the time until the next token", () => {
    const rule = { limit: 3, windowSeconds: 30 };
    let bucket;
    for (let i = 0; i < 3; i++) {
      const r = take(rule, bucket, 1000);
      bucket = r.bucket;
      assert.equal(r.verdict.allowed, true);
    }
    const refused = take(rule, bucket, 1000);
    assert.deepEqual(refused.verdict, { allowed: false, retryAfterMs: 10_000 });
    assert.equal(take(rule, refused.bucket, 6000).verdict.allowed, false);
    assert.equal(take(rule, refused.bucket, 11_000).verdict.allowed, true);
  });

  it("never refills past the limit and knows when a bucket is full again", () => {
    const rule = { limit: 2, windowSeconds: 10 };
    const { bucket } = take(rule, undefined, 0);
    assert.equal(isFull(rule, bucket, 4_999), false);
    assert.equal(isFull(rule, bucket, 5_000), true);
    const later = take(rule, bucket, 1_000_000).bucket;
    assert.equal(later.tokens, 1);
  });

  it("keeps one bucket per key and forgets full ones once there are many", () => {
    const rule = { limit: 1, windowSeconds: 60 };
    const map = new BucketMap(2);
    assert.equal(map.take("a", rule, 0).allowed, true);
    assert.equal(map.take("a", rule, 0).allowed, false);
    assert.equal(map.take("b", rule, 0).allowed, true);
    // A third key passes the sweep threshold after a minute: the refilled buckets are dropped.
    assert.equal(map.take("c", rule, 60_000).allowed, true);
    assert.equal(map.take("a", rule, 60_000).allowed, true);
  });

  it("limits sends per identity, or not at all when switched off", () => {
    const limiter = new FrameLimiter();
    const spec = "send_identity=2/60";
    assert.deepEqual([1, 2, 3].map(() => limiter.take(spec, "send_identity", "customer:u1", 0).allowed), [true, true, false]);
    assert.equal(limiter.take(spec, "send_identity", "customer:u2", 0).allowed, true);
    assert.equal(limiter.take(spec, "typing_identity", "customer:u1", 0).allowed, true, "each policy has its own bucket");
    assert.equal(limiter.take("send_identity=off", "send_identity", "customer:u1", 0).allowed, true);
  });
});

describe("RATE_LIMITS", () => {
  it("reads overrides and refuses bad ones", () => {
    const limits = rateLimits("login_ip=5/60, send_identity=off");
    assert.deepEqual(limits.login_ip, { limit: 5, windowSeconds: 60 });
    assert.equal(limits.send_identity, null);
    assert.deepEqual(limits.socket_ip, DEFAULT_RATE_LIMITS.socket_ip);
    assert.deepEqual(rateLimits(undefined), DEFAULT_RATE_LIMITS);
    assert.deepEqual(rateLimits(""), DEFAULT_RATE_LIMITS);
    assert.throws(() => rateLimits("login_ip=lots"));
    assert.throws(() => rateLimits("login_ip=0/60"));
    assert.throws(() => rateLimits("login_ip=5/7200"));
    assert.throws(() => rateLimits("nonsense=1/1"));
  });
});
