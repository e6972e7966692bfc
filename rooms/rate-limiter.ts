// Shared rate-limit buckets for the Worker (see domain/rate-limit.ts). Each shard holds the
// buckets of the keys hashed to it, in memory: a bucket refills within its window (at most an
// hour) and an idle shard is only evicted after minutes without hits, so losing the memory
// then loses little that still limits anybody.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../domain/env";
import { BucketMap, type RateRule, type Verdict } from "../domain/rate-limit";

export class RateLimiter extends DurableObject<Env> {
  private readonly buckets = new BucketMap();

  hit(key: string, rule: RateRule): Verdict {
    return this.buckets.take(key, rule);
  }

  peek(key: string, rule: RateRule): Verdict {
    return this.buckets.peek(key, rule);
  }
}
