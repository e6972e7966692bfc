// Bundles the browser apps (admin, H5) into public/ for Workers static assets.
// Source maps are for development only (`npm start`, or `--sourcemaps`): everything in public/ is
// served, and a production build must not publish the sources, so without the flag no map is
// written and maps left by an earlier development build are removed.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { buildMiniprogram } from "./build-miniprogram";
import { rootDir } from "./wrangler";

export const APPS = [
  { name: "admin", entry: "admin/main.ts" },
  { name: "h5", entry: "h5/main.ts" },
] as const;

export async function buildAssets(opts: { sourcemaps?: boolean } = {}): Promise<void> {
  for (const app of APPS) {
    const entry = join(rootDir, app.entry);
    if (!existsSync(entry)) continue;
    const out = join(rootDir, "public", app.name);
    mkdirSync(out, { recursive: true });
    if (!opts.sourcemaps) {
      for (const file of readdirSync(out, { recursive: true, encoding: "utf8" })) {
        if (file.endsWith(".map")) rmSync(join(out, file));
      }
    }
    await build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      target: "es2020",
      minify: true,
      sourcemap: opts.sourcemaps ? "linked" : false,
      // Code splitting keeps rarely used libraries (the admin's exporters) out of the first load.
      splitting: true,
      outdir: out,
      entryNames: "app",
      chunkNames: "chunks/[name]-[hash]",
      logLevel: "warning",
    });
    // Static files of the app (index.html, styles, icons) are copied as they are.
    const staticDir = join(rootDir, app.name, "static");
    if (existsSync(staticDir)) cpSync(staticDir, out, { recursive: true });
    // Files an app needs from packages at run time (fonts, wasm): `{ "target": "node_modules path" }`.
    const vendorList = join(rootDir, app.name, "vendor.json");
    if (existsSync(vendorList)) {
      for (const [target, from] of Object.entries(JSON.parse(readFileSync(vendorList, "utf8")) as Record<string, string>)) {
        mkdirSync(dirname(join(out, target)), { recursive: true });
        cpSync(join(rootDir, "node_modules", from), join(out, target));
      }
    }
  }
  await buildMiniprogram();
}

if (import.meta.url === `file://${process.argv[1]}`) await buildAssets({ sourcemaps: process.argv.includes("--sourcemaps") });
