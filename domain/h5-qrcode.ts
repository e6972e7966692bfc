// The plain QR code of a staff member's H5 entry URL, for customers outside WeChat.
import { toBuffer, toString } from "qrcode/lib/server.js";

export type QrImageFormat = "png" | "svg";

/** `<origin>/h5/?scene=<staff code>`: the H5 page reads the scene like the mini program does. */
export function h5EntryUrl(origin: string, scene: string): string {
  return `${origin}/h5/?scene=${encodeURIComponent(scene)}`;
}

const OPTIONS = { errorCorrectionLevel: "M", margin: 2, width: 480 } as const;

export async function qrImage(payload: string, format: QrImageFormat): Promise<{ body: Uint8Array<ArrayBuffer> | string; contentType: string }> {
  if (format === "svg") return { body: await toString(payload, { ...OPTIONS, type: "svg" }), contentType: "image/svg+xml" };
  return { body: new Uint8Array(await toBuffer(payload, { ...OPTIONS, type: "png" })), contentType: "image/png" };
}
