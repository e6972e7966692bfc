// Web APIs the shared client code relies on that the mini program's JS engine lacks. Injected
// first into every bundle by scripts/build-miniprogram.ts, before partysocket is evaluated.
import "event-target-polyfill";
import { config } from "zod";

// No JIT: WeChat forbids new Function. Set before any schema is created (schemas read it then).
config({ jitless: true });

const root = globalThis as Record<string, unknown>;

if (typeof root.URLSearchParams !== "function") {
  // partysocket only builds query strings from [key, value] pairs.
  root.URLSearchParams = class {
    private readonly pairs: [string, string][];
    constructor(init: Iterable<[string, string]> = []) {
      this.pairs = [...init].map(([k, v]) => [String(k), String(v)]);
    }
    toString(): string {
      return this.pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    }
  };
}

const cryptoLike = (root.crypto ?? {}) as { getRandomValues?: (a: Uint8Array) => Uint8Array };
if (typeof cryptoLike.getRandomValues !== "function") {
  // Only client message ids use it: they need to be unique, not secret.
  cryptoLike.getRandomValues = (array: Uint8Array) => {
    for (let i = 0; i < array.length; i++) array[i] = Math.floor(Math.random() * 256);
    return array;
  };
  root.crypto = cryptoLike;
}
