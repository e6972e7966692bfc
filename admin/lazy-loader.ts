// Loads admin/lazy.ts's bundle with a classic script tag (the seed's browsers include Firefox 65,
// which has no dynamic import()), once; and vendor files (font, wasm) once per page.
import type * as Lazy from "./lazy";

let lazy: Promise<typeof Lazy> | null = null;

export function loadLazy(): Promise<typeof Lazy> {
  lazy ??= new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src: new URL(KEFU_ASSETS.lazy, location.href).href, async: true });
    script.onload = () => resolve((window as unknown as { kefuLazy: typeof Lazy }).kefuLazy);
    script.onerror = () => {
      lazy = null;
      script.remove();
      reject(new Error("功能模块加载失败，请检查网络后重试"));
    };
    document.head.appendChild(script);
  });
  return lazy;
}

const vendorFiles = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();

/** A vendor file (hashed name, cached by the browser for a year), fetched at most once per page. */
export function vendorFile(name: string): Promise<Uint8Array<ArrayBuffer>> {
  let file = vendorFiles.get(name);
  if (!file) {
    file = fetch(new URL(KEFU_ASSETS[name] ?? name, location.href).href).then(async (res) => {
      if (!res.ok) throw new Error("导出所需的字体文件加载失败");
      return new Uint8Array(await res.arrayBuffer());
    });
    file.catch(() => vendorFiles.delete(name));
    vendorFiles.set(name, file);
  }
  return file;
}
