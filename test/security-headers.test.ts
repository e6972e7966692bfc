// Security headers of the admin console and the H5 chat page (public/_headers, applied by Workers static assets).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { useTestSystem } from "./harness";

const sys = useTestSystem();

/** A page, or the first hashed asset of the given type its index.html names. */
async function resolve(path: string): Promise<string> {
  const [page, ext] = path.split("*");
  if (!ext) return page;
  const html = await (await fetch(`${sys.url}${page}`)).text();
  const asset = new RegExp(`\\./(assets/[^"]+\\.${ext})"`).exec(html)?.[1];
  assert.ok(asset, `${page} names a .${ext} asset`);
  return `${page}${asset}`;
}

describe("security headers", () => {
  for (const path of ["/admin/", "/admin/*js", "/h5/", "/h5/*css"]) {
    it(`sends CSP, frame-ancestors, X-Frame-Options, Referrer-Policy and nosniff on ${path}`, async () => {
      const res = await fetch(`${sys.url}${await resolve(path)}`);
      await res.arrayBuffer();
      assert.equal(res.status, 200);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /object-src 'none'/);
      assert.doesNotMatch(csp, /script-src[^;]*'unsafe-inline'/);
      assert.equal(res.headers.get("x-frame-options"), "DENY");
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    });
  }
});
