import type { Context, MiddlewareHandler } from "hono";
import { currentRole } from "../../domain/auth/session";
import { type Principal, type PrincipalRole, verifyToken } from "../../domain/auth/token";
import { SIGNED_URL_PARAM, verifySignedPath } from "../../domain/auth/signed-url";
import { createDb } from "../../domain/db/client";
import type { Env } from "../../domain/env";
import { principalRoleSchema, STAFF_ROLES } from "../../protocol";
import type { AppEnv } from "./app";
import { forbidden, unauthorized } from "../../domain/errors";

/**
 * Where a request may carry its credential: the login token only in the Authorization header
 * (`use: "session"`); a URL only a short-lived one, made for that purpose: a socket ticket
 * (`?ticket=`, socket upgrades) or, for the GET routes that <img>, <audio> and downloads reach,
 * a URL signed for exactly that path (`?sig=`, domain/auth/signed-url.ts). `?token=` is never read.
 */

async function verified(secret: string, token: string | null | undefined, use: Principal["use"]): Promise<Principal | null> {
  const p = token ? await verifyToken(secret, token) : null;
  return p?.use === use ? p : null;
}

/** The token's claims alone, without looking at the account (for rate limiting). */
export async function tokenPrincipal(request: Request, secret: string): Promise<Principal | null> {
  const header = request.headers.get("authorization");
  if (header?.startsWith("Bearer ")) return verified(secret, header.slice(7).trim(), "session");
  const url = new URL(request.url);
  if (url.pathname.startsWith("/parties/")) return verified(secret, url.searchParams.get("ticket"), "socket");
  if (request.method === "GET") return verifySignedPath(secret, url.pathname, url.searchParams.get(SIGNED_URL_PARAM));
  return null;
}

/**
 * The principal of the request's token, or null. A token is only as good as the account behind
 * it: a disabled account or a revoked session (domain/auth/session.ts) is refused at once.
 */
export async function principalOf(request: Request, env: Env): Promise<Principal | null> {
  const p = await tokenPrincipal(request, env.TOKEN_SECRET);
  if (!p) return null;
  const role = await currentRole(createDb(env), p);
  return role ? { ...p, role } : null;
}

/** Requires a valid token whose role is one of `roles`. */
export function requireRole(...roles: PrincipalRole[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await principalOf(c.req.raw, c.env);
    if (!principal) throw unauthorized("登录已失效，请重新登录");
    if (!roles.includes(principal.role)) throw forbidden();
    c.set("principal", principal);
    await next();
  };
}

export const anyStaff = () => requireRole(...STAFF_ROLES);
export const anyone = () => requireRole(...principalRoleSchema.options);
export const managers = () => requireRole("supervisor", "admin");

export const principal = (c: Context<AppEnv>) => c.get("principal");
