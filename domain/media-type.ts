// Identifies an upload by its first bytes, never by the name or the declared type.
export type Sniffed = { kind: "image" | "voice"; contentType: string };

const startsWith = (b: Uint8Array, sig: number[], offset = 0) => sig.every((v, i) => b[offset + i] === v);
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));

export function sniffMedia(b: Uint8Array): Sniffed | null {
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { kind: "image", contentType: "image/jpeg" };
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: "image", contentType: "image/png" };
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return { kind: "image", contentType: "image/gif" };
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WEBP") return { kind: "image", contentType: "image/webp" };
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 12) === "WAVE") return { kind: "voice", contentType: "audio/wav" };
  if (ascii(b, 0, 3) === "ID3") return { kind: "voice", contentType: "audio/mpeg" };
  if (ascii(b, 4, 8) === "ftyp") return { kind: "voice", contentType: "audio/mp4" };
  if (ascii(b, 0, 4) === "OggS") return { kind: "voice", contentType: "audio/ogg" };
  if (ascii(b, 0, 9) === "#!SILK_V3" || ascii(b, 1, 10) === "#!SILK_V3") return { kind: "voice", contentType: "audio/silk" };
  // MPEG audio frame sync (11 set bits); ADTS AAC uses layer bits 00.
  if (b[0] === 0xff && (b[1] & 0xe0) === 0xe0) {
    return { kind: "voice", contentType: (b[1] & 0x06) === 0 ? "audio/aac" : "audio/mpeg" };
  }
  return null;
}
