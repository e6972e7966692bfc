// The shipped browser bundles: every file parses at the language level of the seed's browsers
// (Chrome 70, Firefox 65, Safari 12: ES2019 without dynamic import), the first loads stay within
// budget (admin entry ≤ 60 KB gzip, H5 ≤ 40 KB gzip), and file names carry content hashes.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { before, describe, it } from "node:test";
import { gzipSync } from "node:zlib";
import { parse } from "acorn";
import { buildAssets } from "../scripts/build-assets";
import { rootDir } from "../scripts/wrangler";

const BUDGET_GZIP = { admin: 60 * 1024, h5: 40 * 1024 } as const;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

/** The script and stylesheet an app's index.html loads first. */
function firstLoad(app: string): string[] {
  const html = readFileSync(join(rootDir, "public", app, "index.html"), "utf8");
  return [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => join(rootDir, "public", app, m[1]));
}

before(async () => {
  if (!process.env.KEFU_ASSETS_BUILT) await buildAssets();
});

describe("browser bundles", () => {
  for (const app of ["admin", "h5"] as const) {
    it(`${app}: every script parses as ES2019 and has no optional chaining, ?? or import()`, () => {
      const scripts = files(join(rootDir, "public", app)).filter((f) => f.endsWith(".js"));
      assert.ok(scripts.length > 0);
      for (const file of scripts) {
        const code = readFileSync(file, "utf8");
        const esm = /^(?:import|export)\b|\bexport\s*\{/m.test(code);
        // acorn at ES2019 rejects `?.`, `??`, import(), import.meta, bigint literals and class fields.
        assert.doesNotThrow(() => parse(code, { ecmaVersion: 2019, sourceType: esm ? "module" : "script" }), relative(rootDir, file));
      }
    });

    it(`${app}: the first load is within its gzip budget and named by content hash`, () => {
      const first = firstLoad(app);
      assert.ok(first.some((f) => f.endsWith(".js")) && first.some((f) => f.endsWith(".css")));
      let total = 0;
      for (const file of first) {
        assert.match(relative(join(rootDir, "public", app), file), /^assets\/[\w]+-[\w]{8,}\.(js|css)$/);
        const gz = gzipSync(readFileSync(file), { level: 9 }).length;
        total += gz;
        console.log(`${app} ${relative(rootDir, file)}: ${readFileSync(file).length} bytes, ${gz} gzip`);
      }
      const script = first.find((f) => f.endsWith(".js"))!;
      const gz = gzipSync(readFileSync(script), { level: 9 }).length;
      assert.ok(gz <= BUDGET_GZIP[app], `${app} entry ${gz} bytes gzip > ${BUDGET_GZIP[app]}`);
      console.log(`${app} first load total: ${total} bytes gzip (entry budget ${BUDGET_GZIP[app]})`);
    });
  }
});
