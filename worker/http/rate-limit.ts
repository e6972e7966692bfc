// The Worker's side of the rate limits: counting hits in the shared RateLimiter shards, and the
// middleware of login, upload and socket-upgrade routes. Policies and buckets: domain/rate-limit.ts.
import type { Context, MiddlewareHandler } from "hono";
import type { Env } from "../../domain/env";
import { ApiError, errorResponse } from "../../domain/errors";
import { rateLimits, RATE_LIMITED_MESSAGE, type RatePolicy, type Verdict } from "../../domain/rate-limit";
import type { AppEnv } from "./app";
import { tokenPrincipal } from "./auth";
import { shardOf } from "../../domain/shard";

// ---------- shared limiter (Durable Object shards) ----------

const SHARDS = 32;


/**
 * Counts one hit of `key` under `policy` (or, with `peek`, only asks whether one would be allowed);
 * fails open (allows) when the limiter is unreachable.
 */
export async function hit(env: Env, policy: RatePolicy, key: string, peek = false): Promise<Verdict> {
  const rule = rateLimits(env.RATE_LIMITS)[policy];
  if (!rule) return { allowed: true };
  const bucketKey = `${policy}|${key.slice(0, 200)}`;
  try {
    const stub = env.RateLimiter.get(env.RateLimiter.idFromName(shardOf(bucketKey, SHARDS)));
    return await (peek ? stub.peek(bucketKey, rule) : stub.hit(bucketKey, rule));
  } catch (error) {
    console.error("rate limiter unavailable", error);
    return { allowed: true };
  }
}

/** The first refusal among the given hits, checked in order (later ones are not counted). */
export async function hitAll(env: Env, hits: [RatePolicy, string | null | undefined][]): Promise<Verdict> {
  for (const [policy, key] of hits) {
    if (!key) continue;
    const verdict = await hit(env, policy, key);
    if (!verdict.allowed) return verdict;
  }
  return { allowed: true };
}

export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? request.headers.get("x-real-ip") ?? "unknown";
}

const retryAfterSeconds = (v: { retryAfterMs: number }) => String(Math.max(1, Math.ceil(v.retryAfterMs / 1000)));

export const tooManyRequests = (v: { retryAfterMs: number }) =>
  new ApiError("rate_limited", RATE_LIMITED_MESSAGE, { "retry-after": retryAfterSeconds(v) });


/** Account named in a login body (staff code, guest device), read from a clone so the route can still parse it. */
async function loginAccount(c: Context<AppEnv>): Promise<string | null> {
  try {
    const body = (await c.req.raw.clone().json()) as Record<string, unknown>;
    const account = body.code ?? body.deviceId;
    return typeof account === "string" ? `${c.req.path}:${account}` : null;
  } catch {
    return null;
  }
}

/** Login routes: per client IP and per account. */
export const loginRateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "POST") return next();
  const verdict = await hitAll(c.env, [
    ["login_ip", clientIp(c.req.raw)],
    ["login_account", await loginAccount(c)],
  ]);
  if (!verdict.allowed) throw tooManyRequests(verdict);
  await next();
};

/** Uploads: per signed-in identity (an invalid token is refused by the route itself). */
export const uploadRateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.method !== "POST") return next();
  const who = await tokenPrincipal(c.req.raw, c.env.TOKEN_SECRET);
  const verdict = await hitAll(c.env, [["upload_token", who?.sub]]);
  if (!verdict.allowed) throw tooManyRequests(verdict);
  await next();
};

/**
 * Socket upgrades per client IP. Returns a 429 or null to go on. Per identity, the upgrade's
 * SessionRoom counts them (worker/socket-auth.ts), one actor call fewer per socket.
 */
export async function socketRateLimit(request: Request, env: Env): Promise<Response | null> {
  const verdict = await hit(env, "socket_ip", clientIp(request));
  return verdict.allowed ? null : errorResponse(tooManyRequests(verdict));
}
