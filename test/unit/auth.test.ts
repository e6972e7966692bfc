// Bearer tokens, password hashes and TOTP codes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBase64Url, toBase64Url } from "../../domain/auth/base64url";
import { hashPassword, verifyPassword } from "../../domain/auth/password";
import { isStaffRole, seesAllConversations, signToken, verifyToken } from "../../domain/auth/token";
import { newTotpSecret, totpCode, totpUri, verifyTotp } from "../../domain/auth/totp";

const SECRET = "unit-test-secret-0123456789";

describe("tokens", () => {
  it("round-trip until they expire", async () => {
    const principal = { sub: "s_kf01", role: "staff" as const, exp: 10_000 };
    const token = await signToken(SECRET, principal);
    assert.deepEqual(await verifyToken(SECRET, token, 9_999), { ...principal, ver: 0, use: "session" }, "a login token of session version 0");
    assert.equal(await verifyToken(SECRET, token, 10_000), null);
  });

  it("refuse another secret, a changed payload, garbage and a short secret", async () => {
    const token = await signToken(SECRET, { sub: "u_1", role: "customer", exp: Date.now() + 60_000 });
    assert.equal(await verifyToken(`${SECRET}-other`, token), null);
    const [, signature] = token.split(".");
    const forged = toBase64Url(new TextEncoder().encode(JSON.stringify({ sub: "s_admin", role: "admin", exp: Date.now() + 60_000 })));
    assert.equal(await verifyToken(SECRET, `${forged}.${signature}`), null);
    for (const bad of ["", "a", "a.b.c", `${"x".repeat(2000)}.y`, "!!!.???"]) assert.equal(await verifyToken(SECRET, bad), null);
    await assert.rejects(signToken("short", { sub: "x", role: "admin", exp: 1 }), /at least 16/);
  });

  it("know staff roles and who sees every conversation", () => {
    assert.deepEqual(
      (["customer", "staff", "supervisor", "admin"] as const).map((r) => [isStaffRole(r), seesAllConversations(r)]),
      [
        [false, false],
        [true, false],
        [true, true],
        [true, true],
      ],
    );
  });

  it("encode base64url without padding", () => {
    const bytes = Uint8Array.from([0xfb, 0xff, 0xfe, 0x00]);
    assert.equal(toBase64Url(bytes), "-__-AA");
    assert.deepEqual([...fromBase64Url("-__-AA")], [...bytes]);
  });
});

describe("passwords", () => {
  it("verify only the right password; hashes are salted", async () => {
    const a = await hashPassword("demo123");
    const b = await hashPassword("demo123");
    assert.notEqual(a, b);
    assert.match(a, /^pbkdf2\$100000\$/);
    assert.equal(await verifyPassword("demo123", a), true);
    assert.equal(await verifyPassword("demo124", a), false);
    assert.equal(await verifyPassword("demo123", "plain"), false);
    assert.equal(await verifyPassword("demo123", "md5$1$x$y"), false);
  });
});

describe("TOTP", () => {
  it("accepts the current code and one step either side", () => {
    const secret = newTotpSecret();
    const now = Date.UTC(2026, 0, 5, 2, 0, 15);
    assert.equal(verifyTotp(secret, totpCode(secret, now), now), true);
    assert.equal(verifyTotp(secret, totpCode(secret, now - 30_000), now), true);
    assert.equal(verifyTotp(secret, totpCode(secret, now + 30_000), now), true);
    assert.equal(verifyTotp(secret, totpCode(secret, now - 90_000), now), false);
    assert.equal(verifyTotp(secret, "000000x", now), false);
    assert.match(totpUri(secret, "kf01"), /^otpauth:\/\/totp\/.*kf01\?.*secret=/);
  });

  it("matches the RFC 6238 test vector (SHA-1, 30 s)", () => {
    // Secret "12345678901234567890" in base32; at 59 s the 8-digit code is 94287082, so 6 digits 287082.
    assert.equal(totpCode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", 59_000), "287082");
  });
});
