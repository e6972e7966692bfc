// WeChat's message-push signature: SHA-1 of the token, timestamp and nonce, sorted and joined.
const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

export async function pushSignature(token: string, timestamp: string, nonce: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-1", new TextEncoder().encode([token, timestamp, nonce].sort().join(""))));
}

/** Pushes older than this are refused, so a captured request cannot be replayed later. */
export const PUSH_MAX_AGE_S = 600;

export async function pushSignatureValid(
  token: string | undefined,
  q: { signature?: string; timestamp?: string; nonce?: string },
  nowS = Math.floor(Date.now() / 1000),
): Promise<boolean> {
  if (!token || !q.signature || !q.timestamp || !q.nonce || !/^\d{1,12}$/.test(q.timestamp)) return false;
  if (Math.abs(nowS - Number(q.timestamp)) > PUSH_MAX_AGE_S) return false;
  const expected = await pushSignature(token, q.timestamp, q.nonce);
  // Equal length hex strings: compare every character.
  let diff = expected.length ^ q.signature.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (q.signature.charCodeAt(i) || 0);
  return diff === 0;
}
