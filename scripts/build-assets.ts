// Bundles the browser apps (admin, H5) into public/ for Workers static assets.
// - Language level of the seed's browsers (Chrome 70, Firefox 65, Safari 12): no `?.`, `??` or
//   dynamic import() in the output (test/bundles.test.ts parses every file at ES2019).
// - "zod" resolves to client/zod-lite.ts: zod's classic API cannot be tree-shaken.
// - Hashed file names under assets/ and vendor/ (cached for a year, see public/_headers); the
//   index.html that names them is not cached.
// - Source maps only on request (`--sourcemaps`, npm start): everything in public/ is served.
import { build, type BuildOptions, type Metafile, type Plugin } from "esbuild";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, relative } from "node:path";
import { buildMiniprogram } from "./build-miniprogram";
import { rootDir } from "./wrangler";

export const BROWSER_TARGET = ["chrome70", "firefox65", "safari12"];

export const APPS = [
  { name: "admin", entry: "admin/main.ts", lazy: "admin/lazy.ts" },
  { name: "h5", entry: "h5/main.ts" },
] as const;

const zodLite: Plugin = {
  name: "zod-lite",
  setup(b) {
    b.onResolve({ filter: /^zod$/ }, () => ({ path: join(rootDir, "client/zod-lite.ts") }));
  },
};

const hashOf = (bytes: Buffer | string) => createHash("sha256").update(bytes).digest("hex").slice(0, 10);
const hashed = (path: string, bytes: Buffer) => join(dirname(path), `${basename(path, extname(path))}-${hashOf(bytes)}${extname(path)}`);

/** The output file built from `entry` (relative to the app's directory). */
function outputOf(meta: Metafile, entry: string, out: string): string {
  const [file] = Object.entries(meta.outputs).find(([, o]) => o.entryPoint === entry) ?? [];
  if (!file) throw new Error(`no output for ${entry}`);
  return relative(out, join(rootDir, file));
}

const common: BuildOptions = {
  bundle: true,
  minify: true,
  target: BROWSER_TARGET,
  absWorkingDir: rootDir,
  metafile: true,
  logLevel: "warning",
  plugins: [zodLite],
  entryNames: "assets/[name]-[hash]",
};

export async function buildAssets(opts: { sourcemaps?: boolean } = {}): Promise<void> {
  const sourcemap = opts.sourcemaps ? "linked" : false;
  for (const app of APPS) {
    if (!existsSync(join(rootDir, app.entry))) continue;
    const out = join(rootDir, "public", app.name);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    const assets: Record<string, string> = {};
    // Files an app needs from packages at run time (fonts, wasm): `{ "target": "node_modules path" }`.
    const vendorList = join(rootDir, app.name, "vendor.json");
    if (existsSync(vendorList)) {
      for (const [target, from] of Object.entries(JSON.parse(readFileSync(vendorList, "utf8")) as Record<string, string>)) {
        const bytes = readFileSync(join(rootDir, "node_modules", from));
        const name = hashed(target, bytes);
        mkdirSync(dirname(join(out, name)), { recursive: true });
        writeFileSync(join(out, name), bytes);
        assets[target] = `./${name}`;
      }
    }
    if ("lazy" in app) {
      const lazy = await build({ ...common, sourcemap, entryPoints: [app.lazy], format: "iife", globalName: "kefuLazy", outdir: out });
      assets.lazy = `./${outputOf(lazy.metafile!, app.lazy, out)}`;
    }
    const main = await build({
      ...common,
      sourcemap,
      entryPoints: [app.entry],
      format: "esm",
      outdir: out,
      define: { KEFU_ASSETS: JSON.stringify(assets) },
    });
    const script = outputOf(main.metafile!, app.entry, out);
    // Static files of the app (index.html, styles, icons) are copied; the stylesheet gets a hashed name.
    const staticDir = join(rootDir, app.name, "static");
    cpSync(staticDir, out, { recursive: true });
    const css = readFileSync(join(staticDir, "style.css"));
    const cssName = hashed("assets/style.css", css);
    writeFileSync(join(out, cssName), css);
    rmSync(join(out, "style.css"));
    const index = readFileSync(join(staticDir, "index.html"), "utf8").replace("./style.css", `./${cssName}`).replace("./app.js", `./${script}`);
    writeFileSync(join(out, "index.html"), index);
  }
  await buildMiniprogram();
}

if (import.meta.url === `file://${process.argv[1]}`) await buildAssets({ sourcemaps: process.argv.includes("--sourcemaps") });
