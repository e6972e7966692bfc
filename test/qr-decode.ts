// Reads the QR code in a PNG or JPEG (chosen by its magic bytes) with jsQR.
import assert from "node:assert/strict";
import jpeg from "jpeg-js";
import jsQR from "jsqr";
import { PNG } from "pngjs";

export const isJpeg = (bytes: Uint8Array) => bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;

export function decodeQr(bytes: Uint8Array): string {
  const image = isJpeg(bytes) ? jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true }) : PNG.sync.read(Buffer.from(bytes));
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(code, "the image holds a readable QR code");
  return code.data;
}
