// Credentials of the H5 page's production sign-in (README "Go live on WeChat" → H5):
// - the `state` of WeChat web authorization: server-signed, short-lived, and only a-zA-Z0-9
//   (WeChat's rule for state, at most 128 bytes), so a code cannot be exchanged with a state this
//   server did not issue in the last few minutes;
// - the entry link a staff member creates for one customer outside WeChat: signed, short-lived,
//   bound to that customer and that staff member, redeemed once (the route records its `jti`).
// Each kind is signed under its own key derived from TOKEN_SECRET, so neither can pass for a
// login token nor for the other.
import { z } from "zod";
import { hmac, signClaims, verifyClaims } from "./token";

export const OAUTH_STATE_TTL_MS = 10 * 60_000;
export const ENTRY_LINK_TTL_MS = 15 * 60_000;

const stateKey = (secret: string) => `${secret}#h5-oauth-state`;
const linkKey = (secret: string) => `${secret}#h5-entry-link`;

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
const stateSignature = async (secret: string, exp: string, nonce: string) =>
  hex(await hmac(stateKey(secret), `${exp}.${nonce}`)).slice(0, 32);

/** `<exp base36>Z<nonce hex 16><signature hex 32>`: base36 and hex are lowercase, so `Z` separates. */
export async function signOauthState(secret: string, now = Date.now()): Promise<string> {
  const exp = (now + OAUTH_STATE_TTL_MS).toString(36);
  const nonce = hex(crypto.getRandomValues(new Uint8Array(8)));
  return `${exp}Z${nonce}${await stateSignature(secret, exp, nonce)}`;
}

export async function verifyOauthState(secret: string, state: string, now = Date.now()): Promise<boolean> {
  const match = /^([0-9a-z]{1,12})Z([0-9a-f]{16})([0-9a-f]{32})$/.exec(state);
  if (!match) return false;
  const [, exp, nonce, signature] = match;
  if (parseInt(exp, 36) <= now) return false;
  return (await stateSignature(secret, exp, nonce)) === signature;
}

const entryLinkSchema = z.object({
  kind: z.literal("h5-entry-link"),
  /** The customer the link signs in as. */
  sub: z.string().min(1),
  /** The staff member who created it; the conversation goes to them. */
  staff: z.string().min(1),
  exp: z.number(),
  jti: z.string().min(16),
});
export type EntryLink = z.infer<typeof entryLinkSchema>;

export function signEntryLink(secret: string, customerId: string, staffId: string, now = Date.now()): Promise<{ link: string; claims: EntryLink }> {
  const claims: EntryLink = { kind: "h5-entry-link", sub: customerId, staff: staffId, exp: now + ENTRY_LINK_TTL_MS, jti: crypto.randomUUID() };
  return signClaims(linkKey(secret), claims).then((link) => ({ link, claims }));
}

export function verifyEntryLink(secret: string, link: string, now = Date.now()): Promise<EntryLink | null> {
  return verifyClaims(linkKey(secret), link, entryLinkSchema, now);
}
