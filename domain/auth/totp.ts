// RFC 6238 time-based one-time codes (30 s, 6 digits, SHA-1: what authenticator apps expect).
import { Secret, TOTP } from "otpauth";

function totpFor(secret: string, label = "kefu"): TOTP {
  return new TOTP({ issuer: "客服", label, algorithm: "SHA1", digits: 6, period: 30, secret: Secret.fromBase32(secret) });
}

export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** Accepts the current code and one step either side for clock drift. */
export function verifyTotp(secret: string, code: string, timestamp = Date.now()): boolean {
  return totpFor(secret).validate({ token: code, timestamp, window: 1 }) !== null;
}

/** The time step (30 s period) of a valid code, or null. Accepts one step either side like verifyTotp. */
export function totpStep(secret: string, code: string, timestamp = Date.now()): number | null {
  const delta = totpFor(secret).validate({ token: code, timestamp, window: 1 });
  return delta === null ? null : Math.floor(timestamp / 30_000) + delta;
}

export function totpCode(secret: string, timestamp = Date.now()): string {
  return totpFor(secret).generate({ timestamp });
}

export function totpUri(secret: string, label: string): string {
  return totpFor(secret, label).toString();
}
