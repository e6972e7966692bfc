// HMAC-SHA256 signed bearer tokens: `<payload>.<signature>`, both base64url.
import { z } from "zod";
import { principalRoleSchema, type PrincipalRole } from "../../protocol";
import { fromBase64Url, toBase64Url } from "./base64url";

export const principalSchema = z.object({
  sub: z.string(),
  role: principalRoleSchema,
  exp: z.number(),
  /** The account's session version when the token was issued; a raised version revokes it. */
  ver: z.number().int().nonnegative().default(0),
  /**
   * What the token is good for: `session` (the login token), `socket` (a minute-long ticket in a
   * socket URL) or `url` (a signed URL for one exact `path`, domain/auth/signed-url.ts).
   */
  use: z.enum(["session", "socket", "url"]).default("session"),
  path: z.string().max(300).optional(),
});
export type Principal = z.infer<typeof principalSchema>;
export type PrincipalClaims = z.input<typeof principalSchema>;
export type { PrincipalRole };

export const TOKEN_TTL_MS = {
  // The mini program signs in again silently (wx.login), so a customer token need not last long.
  customer: 24 * 3600 * 1000,
  staff: 12 * 3600 * 1000,
  socket: 60 * 1000,
} as const;

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    if (secret.length < 16) throw new Error("TOKEN_SECRET must be at least 16 characters");
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

/** HMAC-SHA256 of `data` under `secret`. */
export async function hmac(secret: string, data: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(data)));
}

/** `<payload>.<signature>` of any JSON claims; the secret decides what kind of token it is. */
export async function signClaims(secret: string, claims: unknown): Promise<string> {
  const payload = toBase64Url(encoder.encode(JSON.stringify(claims)));
  return `${payload}.${toBase64Url(await hmac(secret, payload))}`;
}

export function signToken(secret: string, principal: PrincipalClaims): Promise<string> {
  return signClaims(secret, principal);
}

/** The claims of a well-signed token that fit `schema` and carry an `exp` after `now`, or null. */
export async function verifyClaims<S extends z.ZodType<{ exp: number }>>(secret: string, token: string, schema: S, now = Date.now()): Promise<z.infer<S> | null> {
  const parts = token.split(".");
  if (parts.length !== 2 || parts[0].length > 1024 || parts[1].length > 128) return null;
  const [payload, signature] = parts;
  let valid = false;
  try {
    valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), fromBase64Url(signature), encoder.encode(payload));
  } catch {
    return null;
  }
  if (!valid) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
  } catch {
    return null;
  }
  const result = schema.safeParse(parsed);
  if (!result.success || result.data.exp <= now) return null;
  return result.data;
}

/** Returns the principal of a valid, unexpired token, or null. */
export function verifyToken(secret: string, token: string, now = Date.now()): Promise<Principal | null> {
  return verifyClaims(secret, token, principalSchema, now);
}

export function isStaffRole(role: PrincipalRole): role is "staff" | "supervisor" | "admin" {
  return role !== "customer";
}

/** Supervisors and admins see every conversation; staff only their own. */
export function seesAllConversations(role: PrincipalRole): boolean {
  return role === "supervisor" || role === "admin";
}
