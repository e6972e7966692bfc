// Exclusive QR codes of a staff member (F001, F009), mounted at /api/admin/staff:
// the mini program code (getwxacodeunlimit, stored in R2) and the H5 entry QR code.
import { eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../domain/db/client";
import { staff } from "../../domain/db/schema";
import { h5EntryUrl, qrImage } from "../../domain/h5-qrcode";
import { sniffMedia } from "../../domain/media-type";
import { router } from "../http/app";
import { managers, requireRole } from "../http/auth";
import { notFound, parseOr400 } from "../../domain/errors";
import { QR_ENTRY_PAGE, qrSceneSchema, type StaffQrcodeResult } from "../../protocol";
import { withWechatToken } from "../../domain/wechat/access-token";
import type { QrCodeImage, UnlimitedQrCodeRequest } from "../../domain/wechat/client";
import { miniprogramState, wechatClient, wechatFailure } from "../../domain/wechat/env";

type StaffRow = typeof staff.$inferSelect;

const ENV_VERSION = { formal: "release", trial: "trial", developer: "develop" } as const;
const formatSchema = z.enum(["png", "svg"]).default("png");

export const qrcodeKey = (staffId: string) => `qrcodes/${staffId}`;
const EXTENSIONS: Record<string, string> = { "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp" };
const downloadPath = (staffId: string) => `/api/admin/staff/${encodeURIComponent(staffId)}/qrcode`;

async function staffById(db: Db, id: string): Promise<StaffRow> {
  const [row] = await db.select().from(staff).where(eq(staff.id, id)).limit(1);
  if (!row) throw notFound("客服不存在");
  return row;
}

const attachment = (name: string) => `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;

export const staffQrcodeRoutes = router()
  .post("/:id/qrcode", requireRole("admin"), async (c) => {
    const db = c.get("db");
    const row = await staffById(db, c.req.param("id"));
    const scene = parseOr400(qrSceneSchema, row.code);
    const state = miniprogramState(c.env);
    const request: UnlimitedQrCodeRequest = {
      scene,
      page: QR_ENTRY_PAGE,
      // Only a released mini program can check that the page exists.
      check_path: state === "formal",
      env_version: ENV_VERSION[state],
      width: 430,
    };
    let image: QrCodeImage;
    try {
      image = await withWechatToken(c.env, (token) => wechatClient(c.env).getUnlimitedQrCode(token, request));
    } catch (error) {
      throw wechatFailure(error);
    }
    const key = qrcodeKey(row.id);
    await c.env.MEDIA.put(key, image.bytes, { httpMetadata: { contentType: image.contentType }, customMetadata: { scene } });
    await db.update(staff).set({ qrcodeKey: key }).where(eq(staff.id, row.id));
    const result: StaffQrcodeResult = {
      staffId: row.id,
      scene,
      page: QR_ENTRY_PAGE,
      url: downloadPath(row.id),
      h5Url: h5EntryUrl(new URL(c.req.url).origin, scene),
    };
    return c.json(result, 201);
  })
  .get("/:id/qrcode", managers(), async (c) => {
    const row = await staffById(c.get("db"), c.req.param("id"));
    const object = row.qrcodeKey ? await c.env.MEDIA.get(row.qrcodeKey) : null;
    if (!object) throw notFound("尚未生成小程序码");
    // Typed by its bytes: codes stored before this labelled WeChat's JPEG as PNG.
    const bytes = new Uint8Array(await object.arrayBuffer());
    const contentType = sniffMedia(bytes)?.contentType ?? object.httpMetadata?.contentType ?? "application/octet-stream";
    return new Response(bytes, {
      headers: {
        "content-type": contentType,
        "content-length": String(bytes.length),
        "content-disposition": attachment(`小程序码-${row.code}.${EXTENSIONS[contentType] ?? "jpg"}`),
        "cache-control": "private, no-cache",
      },
    });
  })
  .get("/:id/h5-qrcode", managers(), async (c) => {
    const row = await staffById(c.get("db"), c.req.param("id"));
    const format = parseOr400(formatSchema, c.req.query("format"));
    const scene = parseOr400(qrSceneSchema, row.code);
    const url = h5EntryUrl(new URL(c.req.url).origin, scene);
    const image = await qrImage(url, format);
    return new Response(image.body, {
      headers: {
        "content-type": image.contentType,
        "content-disposition": attachment(`H5二维码-${row.code}.${format}`),
        "cache-control": "private, no-cache",
        "x-entry-url": url,
      },
    });
  });
