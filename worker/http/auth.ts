import type { Context, MiddlewareHandler } from "hono";
import { type Principal, type PrincipalRole, verifyToken } from "../auth/token";
import type { AppEnv } from "./app";
import { forbidden, unauthorized } from "./errors";

export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  if (header?.startsWith("Bearer ")) return header.slice(7).trim();
  // Media URLs in <img>/<audio> and socket URLs cannot carry headers.
  return new URL(request.url).searchParams.get("token");
}

export async function principalOf(request: Request, secret: string): Promise<Principal | null> {
  const token = bearerToken(request);
  return token ? verifyToken(secret, token) : null;
}

/** Requires a valid token whose role is one of `roles`. */
export function requireRole(...roles: PrincipalRole[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await principalOf(c.req.raw, c.env.TOKEN_SECRET);
    if (!principal) throw unauthorized("登录已失效，请重新登录");
    if (!roles.includes(principal.role)) throw forbidden();
    c.set("principal", principal);
    await next();
  };
}

export const anyStaff = () => requireRole("staff", "supervisor", "admin");
export const managers = () => requireRole("supervisor", "admin");

export const principal = (c: Context<AppEnv>) => c.get("principal");
