// Uploads are identified by their first bytes, never by name or declared type.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sniffMedia } from "../../domain/media-type";

const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === "string" ? [...Buffer.from(p, "latin1")] : p)));

describe("sniffMedia", () => {
  it("recognises the image formats", () => {
    assert.deepEqual(sniffMedia(bytes([0xff, 0xd8, 0xff, 0xe0])), { kind: "image", contentType: "image/jpeg" });
    assert.deepEqual(sniffMedia(bytes([0x89], "PNG\r\n", [0x1a, 0x0a])), { kind: "image", contentType: "image/png" });
    assert.equal(sniffMedia(bytes("GIF89a"))?.contentType, "image/gif");
    assert.equal(sniffMedia(bytes("GIF87a"))?.contentType, "image/gif");
    assert.equal(sniffMedia(bytes("RIFF", [0, 0, 0, 0], "WEBPVP8 "))?.contentType, "image/webp");
  });

  it("recognises the voice formats, WeChat's SILK included", () => {
    assert.deepEqual(sniffMedia(bytes("RIFF", [0, 0, 0, 0], "WAVEfmt ")), { kind: "voice", contentType: "audio/wav" });
    assert.equal(sniffMedia(bytes("ID3", [4, 0]))?.contentType, "audio/mpeg");
    assert.equal(sniffMedia(bytes([0, 0, 0, 0x20], "ftypM4A "))?.contentType, "audio/mp4");
    assert.equal(sniffMedia(bytes("OggS"))?.contentType, "audio/ogg");
    assert.equal(sniffMedia(bytes("#!SILK_V3"))?.contentType, "audio/silk");
    assert.equal(sniffMedia(bytes([0x02], "#!SILK_V3"))?.contentType, "audio/silk");
    assert.equal(sniffMedia(bytes([0xff, 0xfb, 0x90]))?.contentType, "audio/mpeg");
    assert.equal(sniffMedia(bytes([0xff, 0xf1, 0x50]))?.contentType, "audio/aac");
  });

  it("refuses everything else, whatever it is called", () => {
    assert.equal(sniffMedia(bytes("<script>alert(1)</script>")), null);
    assert.equal(sniffMedia(bytes("<svg xmlns")), null);
    assert.equal(sniffMedia(bytes("%PDF-1.7")), null);
    assert.equal(sniffMedia(bytes("MZ")), null);
    assert.equal(sniffMedia(new Uint8Array(0)), null);
    assert.equal(sniffMedia(bytes("RIFF", [0, 0, 0, 0], "AVI ")), null);
  });
});
