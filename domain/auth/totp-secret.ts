// TOTP secrets are stored encrypted (AES-GCM, key derived from TOKEN_SECRET), so a database dump or
// an NDJSON backup does not hold them: `enc1:<iv>.<ciphertext>` (base64url). A value without the
// prefix is a plain secret from before (or from the seed) and is read as is.
import { fromBase64Url, toBase64Url } from "./base64url";

const PREFIX = "enc1:";
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function keyOf(tokenSecret: string): Promise<CryptoKey> {
  let key = keys.get(tokenSecret);
  if (!key) {
    key = crypto.subtle
      .digest("SHA-256", encoder.encode(`kefu-totp-secret:${tokenSecret}`))
      .then((raw) => crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]));
    keys.set(tokenSecret, key);
  }
  return key;
}

export async function sealTotpSecret(tokenSecret: string, secret: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await keyOf(tokenSecret), encoder.encode(secret));
  return `${PREFIX}${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** The plain secret, or null when it cannot be decrypted (say, TOKEN_SECRET changed). */
export async function openTotpSecret(tokenSecret: string, stored: string): Promise<string | null> {
  if (!stored.startsWith(PREFIX)) return stored;
  const [iv, data] = stored.slice(PREFIX.length).split(".");
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv) }, await keyOf(tokenSecret), fromBase64Url(data));
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}
