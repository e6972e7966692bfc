// Rate limits: token buckets per IP, per account and per identity on login, socket upgrades and
// uploads; per identity and conversation on `send`, `sync` (frames and bytes) and `typing` frames;
// a cap on the sockets an identity holds open at once; a lockout of an account after failed logins.
//
// Limits are `<count>/<seconds>` (a bucket of `count` that refills over `seconds`), overridable
// with the RATE_LIMITS var, e.g. `RATE_LIMITS="login_ip=5/60,send_identity=off"`.
// The Worker's buckets live in RateLimiter Durable Objects (rooms/rate-limiter.ts), sharded by
// key, so every isolate and every machine sees the same count; an identity's frame buckets live in
// the ConversationRoom, the only place that conversation's frames arrive. The socket cap (only its
// `limit` counts) and an identity's upgrade rate (socket_token) are kept by the identity's
// SessionRoom (rooms/session-room.ts), which sees every upgrade of it.
import { z } from "zod";

export const RATE_POLICIES = [
  "login_ip",
  "login_account",
  "login_failures",
  "h5_link_ip",
  "socket_ip",
  "socket_token",
  "sockets_identity",
  "upload_token",
  "send_identity",
  "sync_identity",
  "sync_bytes",
  "typing_identity",
] as const;
export type RatePolicy = (typeof RATE_POLICIES)[number];

export const rateRuleSchema = z.object({ limit: z.number().int().min(1), windowSeconds: z.number().min(1).max(3600) });
export type RateRule = z.infer<typeof rateRuleSchema>;

/**
 * Generous enough for the test suite and for customers behind one carrier NAT; tighten per
 * deployment with RATE_LIMITS.
 */
export const DEFAULT_RATE_LIMITS: Record<RatePolicy, RateRule | null> = {
  login_ip: { limit: 300, windowSeconds: 60 },
  login_account: { limit: 60, windowSeconds: 60 },
  /** Failed sign-ins of one staff account before it is locked; refills one per minute. */
  login_failures: { limit: 10, windowSeconds: 600 },
  /** H5 entry-link redemptions per client IP (links are one-time; many tries from one IP are guessing). */
  h5_link_ip: { limit: 10, windowSeconds: 60 },
  socket_ip: { limit: 1200, windowSeconds: 60 },
  socket_token: { limit: 120, windowSeconds: 60 },
  /** Open sockets of one identity at once (the window is not used). */
  sockets_identity: { limit: 30, windowSeconds: 60 },
  upload_token: { limit: 60, windowSeconds: 60 },
  send_identity: { limit: 30, windowSeconds: 10 },
  sync_identity: { limit: 20, windowSeconds: 10 },
  /** Bytes of messages one identity may pull by `sync` frames. */
  sync_bytes: { limit: 4 * 1024 * 1024, windowSeconds: 60 },
  typing_identity: { limit: 10, windowSeconds: 10 },
};

const overrideSchema = z
  .string()
  .regex(/^\s*(off|\d+\/\d+)\s*$/, "a limit is off or <count>/<seconds>")
  .transform((v): RateRule | null => {
    if (v.trim() === "off") return null;
    const [limit, windowSeconds] = v.trim().split("/").map(Number);
    return rateRuleSchema.parse({ limit, windowSeconds });
  });

const parsedConfigs = new Map<string, Record<RatePolicy, RateRule | null>>();

/** The limits in force: defaults with the RATE_LIMITS overrides applied. A bad override throws. */
export function rateLimits(spec: string | undefined): Record<RatePolicy, RateRule | null> {
  const key = spec ?? "";
  const cached = parsedConfigs.get(key);
  if (cached) return cached;
  const limits = { ...DEFAULT_RATE_LIMITS };
  for (const part of key.split(",").filter((p) => p.trim())) {
    const [name, value = ""] = part.split("=");
    const policy = z.enum(RATE_POLICIES).parse(name.trim());
    limits[policy] = overrideSchema.parse(value);
  }
  parsedConfigs.set(key, limits);
  return limits;
}

// ---------- token bucket ----------

export type Bucket = { tokens: number; at: number };
export type Verdict = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Takes one token from `bucket` (mutated); a missing bucket starts full. */
export function take(rule: RateRule, bucket: Bucket | undefined, now: number): { bucket: Bucket; verdict: Verdict } {
  const perMs = rule.limit / (rule.windowSeconds * 1000);
  const b = bucket ?? { tokens: rule.limit, at: now };
  b.tokens = Math.min(rule.limit, b.tokens + Math.max(0, now - b.at) * perMs);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return { bucket: b, verdict: { allowed: true } };
  }
  return { bucket: b, verdict: { allowed: false, retryAfterMs: Math.ceil((1 - b.tokens) / perMs) } };
}

/** Whether the bucket has refilled completely, so forgetting it changes nothing. */
export function isFull(rule: RateRule, bucket: Bucket, now: number): boolean {
  return bucket.tokens + (now - bucket.at) * (rule.limit / (rule.windowSeconds * 1000)) >= rule.limit;
}

/** Buckets by key in memory; full ones (which limit nobody) are dropped once there are many. */
export class BucketMap {
  private readonly buckets = new Map<string, { rule: RateRule; bucket: Bucket }>();

  constructor(private readonly sweepAt = 10_000) {}

  /** Whether a take would be allowed now, without taking. */
  peek(key: string, rule: RateRule, now = Date.now()): Verdict {
    const entry = this.buckets.get(key);
    if (!entry) return { allowed: true };
    return take(rule, { ...entry.bucket }, now).verdict;
  }

  take(key: string, rule: RateRule, now = Date.now()): Verdict {
    const { bucket, verdict } = take(rule, this.buckets.get(key)?.bucket, now);
    this.buckets.set(key, { rule, bucket });
    if (this.buckets.size > this.sweepAt) {
      for (const [k, v] of this.buckets) if (isFull(v.rule, v.bucket, now)) this.buckets.delete(k);
    }
    return verdict;
  }
}

/** Takes `cost` tokens at once (a byte budget); a bucket may go into debt by one large take. */
export function takeMany(rule: RateRule, bucket: Bucket | undefined, cost: number, now: number): Bucket {
  const b = bucket ?? { tokens: rule.limit, at: now };
  b.tokens = Math.min(rule.limit, b.tokens + Math.max(0, now - b.at) * (rule.limit / (rule.windowSeconds * 1000))) - cost;
  b.at = now;
  return b;
}

/** The frame buckets of one room, by policy and identity (`staff:<id>`, `customer:<id>`). */
export class FrameLimiter {
  private readonly buckets = new BucketMap(1000);
  private readonly bytes = new Map<string, Bucket>();

  take(spec: string | undefined, policy: "send_identity" | "sync_identity" | "typing_identity", identity: string, now = Date.now()): Verdict {
    const rule = rateLimits(spec)[policy];
    return rule ? this.buckets.take(`${policy}|${identity}`, rule, now) : { allowed: true };
  }

  /** Whether the identity has sync bytes left (it may overdraw by one sync). */
  hasBytes(spec: string | undefined, identity: string, now = Date.now()): boolean {
    const rule = rateLimits(spec).sync_bytes;
    return !rule || takeMany(rule, this.bytes.get(identity), 0, now).tokens > 0;
  }

  spendBytes(spec: string | undefined, identity: string, bytes: number, now = Date.now()) {
    const rule = rateLimits(spec).sync_bytes;
    if (!rule) return;
    if (this.bytes.size > 1000) this.bytes.clear();
    this.bytes.set(identity, takeMany(rule, this.bytes.get(identity), bytes, now));
  }
}

/** What one identity's socket upgrades are held to: how many it may hold open at once (null: no cap), and how often it may upgrade. */
export type SocketLimits = { cap: number | null; upgrades: RateRule | null };

export function socketLimits(spec: string | undefined): SocketLimits {
  const limits = rateLimits(spec);
  return { cap: limits.sockets_identity?.limit ?? null, upgrades: limits.socket_token };
}

export const RATE_LIMITED_MESSAGE = "操作太频繁，请稍后再试";
