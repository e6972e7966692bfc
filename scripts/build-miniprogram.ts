// Compiles the mini program's TypeScript: one esbuild bundle per app/page/component script,
// written beside its source as the .js WeChat DevTools loads (and miniprogram-simulate runs).
// The shared client library, zod and partysocket are bundled in; polyfills are injected first.
import { build, type BuildOptions, type Plugin } from "esbuild";
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rootDir } from "./wrangler";

export const miniprogramDir = join(rootDir, "miniprogram");

/** app.ts plus every pages/x/x.ts and components/x/x.ts (a script with a .json beside it). */
export function miniprogramEntries(): string[] {
  const entries = [join(miniprogramDir, "app.ts")];
  for (const group of ["pages", "components"]) {
    const dir = join(miniprogramDir, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const script = join(dir, name, `${name}.ts`);
      if (existsSync(script) && existsSync(join(dir, name, `${name}.json`))) entries.push(script);
    }
  }
  return entries;
}

/**
 * The syntax the bundles may use. Base library 3.x (project.config.json libVersion) runs on WeChat
 * clients for iOS 12+ (JavaScriptCore) and Android (V8); ES2017 keeps async/await native on both.
 * DevTools' "enhance" compile still transpiles to ES5 on upload (bundles stay under its 500 KB limit).
 */
export const MINIPROGRAM_ES_TARGET = 2017;
/** DevTools skips its ES5 transform for larger files, and WeChat's main package is 2 MB in all. */
export const KIT_MAX_BYTES = 200 * 1024;

/**
 * WeChat forbids eval and new Function. zod only reaches for them in its JIT (off: lib/polyfills
 * sets jitless) and in its probe for them; this removes the constructor from its source, so no
 * bundle carries one at all.
 */
const noEval: Plugin = {
  name: "no-eval",
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/].*[\\/]core[\\/](util|doc|compile)\.js$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replace(/const F = Function;/g, "const F = noEvalInMiniprogram;") + "\nfunction noEvalInMiniprogram() { throw new Error(\"no eval in the mini program\"); }\n",
      loader: "js",
    }));
  },
};

const common = {
  bundle: true,
  format: "cjs" as const,
  target: `es${MINIPROGRAM_ES_TARGET}`,
  platform: "neutral" as const,
  mainFields: ["module", "main"],
  minify: true,
  logLevel: "warning",
} satisfies BuildOptions;

/** Page and component bundles require lib/kit.js at run time instead of bundling it again. */
const kitExternal: Plugin = {
  name: "kit-external",
  setup(b) {
    b.onResolve({ filter: /\/lib\/kit$/ }, (args) => ({ path: `${args.path}.js`, external: true }));
  },
};

export async function buildMiniprogram(): Promise<void> {
  if (!existsSync(join(miniprogramDir, "app.ts"))) return;
  const kit = await build({
    ...common,
    entryPoints: [join(miniprogramDir, "lib/kit.ts")],
    outfile: join(miniprogramDir, "lib/kit.js"),
    inject: [join(miniprogramDir, "lib/polyfills.ts")],
    plugins: [noEval],
    write: false,
  });
  const result = await build({
    ...common,
    entryPoints: miniprogramEntries(),
    outdir: miniprogramDir,
    outbase: miniprogramDir,
    plugins: [kitExternal],
    metafile: true,
    write: false,
  });
  const strays = Object.keys(result.metafile.inputs).filter((f) => f.includes("node_modules") || f.startsWith("client/"));
  if (strays.length) throw new Error(`mini program pages must import the shared library through lib/kit: ${strays.join(", ")}`);
  for (const file of [...kit.outputFiles, ...result.outputFiles]) writeIfChanged(file.path, file.text);
}

/** Test files build in parallel while others load the output: never rewrite an equal file, and replace atomically. */
function writeIfChanged(path: string, text: string): void {
  if (existsSync(path) && readFileSync(path, "utf8") === text) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

if (import.meta.url === `file://${process.argv[1]}`) await buildMiniprogram();
