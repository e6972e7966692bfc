// Signed media URLs in the client library (client/api.ts) and their signatures (domain/auth/signed-url.ts).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiClient, type Transport } from "../../client/api";
import { isSignablePath, signPath, verifySignedPath } from "../../domain/auth/signed-url";

const SECRET = "unit-test-secret-0123456789";
const MEDIA = "/api/media/c_0123456789abcdef0123456789abcdef/00112233445566778899aabbccddeeff";

function client(expiresIn = 600_000) {
  const calls: { url: string; headers: Record<string, string>; body?: string }[] = [];
  const transport: Transport<never> = {
    async request(req) {
      calls.push(req);
      const paths = (JSON.parse(req.body ?? "{}") as { paths: string[] }).paths;
      return { status: 200, body: { urls: Object.fromEntries(paths.map((p) => [p, `${p}?sig=s${calls.length}`])), expiresAt: Date.now() + expiresIn } };
    },
    upload: () => Promise.reject(new Error("no uploads")),
  };
  return { api: new ApiClient<never>({ baseUrl: "https://kefu.test", transport, token: () => "login-token" }), calls };
}

describe("signed URLs", () => {
  it("signs the paths a render asks for in one request, with the login token in the header only", async () => {
    const { api, calls } = client();
    let ready = 0;
    assert.equal(api.mediaUrl(MEDIA.slice(5), () => ready++), "");
    assert.equal(api.signedUrlNow("/api/admin/staff/s_1/qrcode", () => ready++), "");
    await new Promise((r) => setTimeout(r, 0));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, "https://kefu.test/api/signed-urls");
    assert.equal(calls[0].headers.authorization, "Bearer login-token");
    assert.equal(ready, 2);
    assert.equal(api.mediaUrl(MEDIA.slice(5)), `https://kefu.test${MEDIA}?sig=s1`);
    assert.ok(!api.mediaUrl(MEDIA.slice(5)).includes("login-token"));
    // Cached: no new request while the URL is fresh.
    assert.equal(await api.signedUrl(MEDIA), `https://kefu.test${MEDIA}?sig=s1`);
    assert.equal(calls.length, 1);
  });

  it("renews a URL shortly before it expires, showing the old one meanwhile", async () => {
    const { api, calls } = client(30_000);
    await api.signedUrl(MEDIA);
    assert.equal(api.signedUrlNow(MEDIA), `https://kefu.test${MEDIA}?sig=s1`);
    assert.equal(await api.signedUrl(MEDIA), `https://kefu.test${MEDIA}?sig=s2`);
    assert.equal(calls.length, 2);
  });

  it("binds a signature to one path and its lifetime", async () => {
    const p = { sub: "u_1", role: "customer" as const, ver: 3 };
    const url = await signPath(SECRET, p, MEDIA, 60_000);
    const sig = decodeURIComponent(url.split("?sig=")[1]);
    assert.equal((await verifySignedPath(SECRET, MEDIA, sig))?.sub, "u_1");
    assert.equal((await verifySignedPath(SECRET, MEDIA, sig))?.ver, 3);
    assert.equal(await verifySignedPath(SECRET, MEDIA.replace(/f$/, "e"), sig), null);
    assert.equal(await verifySignedPath("another-secret-0123456789", MEDIA, sig), null);
    const expired = decodeURIComponent((await signPath(SECRET, p, MEDIA, -1)).split("?sig=")[1]);
    assert.equal(await verifySignedPath(SECRET, MEDIA, expired), null);
    assert.ok(isSignablePath("/api/admin/backups/2026-01-01.ndjson"));
    assert.ok(!isSignablePath("/api/auth/me"));
    assert.ok(!isSignablePath("/api/media/c_0123456789abcdef0123456789abcdef/../x"));
  });
});
