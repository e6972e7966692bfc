// Short-lived signed URLs for the GET routes that <img>, <audio>, wx.downloadFile and downloads
// reach, which cannot send an Authorization header. The signature is a token with `use: "url"`
// bound to one exact path: it carries the signer's identity and session version, so the route
// still checks the account and its rights, and a revoked session revokes its URLs too.
import { type Principal, signToken, verifyToken } from "./token";

/** Paths a signed URL may be made for (everything else takes the Authorization header only). */
export const SIGNED_URL_PATHS = [
  /^\/api\/media\/c_[0-9a-f]{32}\/[0-9a-f]{32}$/,
  /^\/api\/admin\/staff\/[^/?#]+\/(h5-)?qrcode$/,
  /^\/api\/admin\/backups\/[^/?#]+$/,
  /^\/api\/admin\/conversations\/export$/,
];

/** Minutes, not hours: the URL lands in logs and histories. Clients fetch new ones as they expire. */
export const SIGNED_URL_TTL_MS = 10 * 60_000;

export const SIGNED_URL_PARAM = "sig";

export const isSignablePath = (path: string) => SIGNED_URL_PATHS.some((r) => r.test(path));

/** `path?sig=…` for the principal; `query` (e.g. `v=2`) is kept but not signed. */
export async function signPath(secret: string, p: Pick<Principal, "sub" | "role" | "ver">, path: string, ttlMs = SIGNED_URL_TTL_MS, now = Date.now()): Promise<string> {
  const sig = await signToken(secret, { sub: p.sub, role: p.role, ver: p.ver, exp: now + ttlMs, use: "url", path });
  return `${path}?${SIGNED_URL_PARAM}=${encodeURIComponent(sig)}`;
}

/** The principal of a signed URL for exactly `path`, or null (expired, another path, not a URL signature). */
export async function verifySignedPath(secret: string, path: string, sig: string | null): Promise<Principal | null> {
  if (!sig || !isSignablePath(path)) return null;
  const p = await verifyToken(secret, sig);
  return p?.use === "url" && p.path === path ? p : null;
}
