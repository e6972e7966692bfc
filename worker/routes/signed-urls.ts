// Signed URLs for <img>, <audio>, wx.downloadFile and downloads (domain/auth/signed-url.ts). Not
// under /api/auth: pages sign often, and the login rate limits count every POST there.
import { isSignablePath, signPath, SIGNED_URL_TTL_MS } from "../../domain/auth/signed-url";
import { badRequest } from "../../domain/errors";
import { type SignedUrls, signedUrlsRequestSchema } from "../../protocol";
import { router } from "../http/app";
import { anyone, principal } from "../http/auth";
import { readJson } from "../http/errors";

export const signedUrlRoutes = router()
  // The routes these URLs reach check the signer's rights when the URL is used, so signing any
  // signable path grants nothing.
  .post("/", anyone(), async (c) => {
    const { paths } = await readJson(c, signedUrlsRequestSchema);
    const bad = paths.find((p) => !isSignablePath(p));
    if (bad) throw badRequest(`不能为该路径签名：${bad.slice(0, 80)}`);
    const now = Date.now();
    const urls: Record<string, string> = {};
    for (const path of new Set(paths)) urls[path] = await signPath(c.env.TOKEN_SECRET, principal(c), path, SIGNED_URL_TTL_MS, now);
    return c.json({ urls, expiresAt: now + SIGNED_URL_TTL_MS } satisfies SignedUrls);
  });
