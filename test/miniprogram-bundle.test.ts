// The compiled mini program as WeChat will load it: lib/kit.js small enough for DevTools' ES5
// transform, no eval / new Function anywhere (the runtime forbids both), and no syntax newer than
// the ES target the base library runs.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { before, describe, it } from "node:test";
import { parse } from "acorn";
import { buildMiniprogram, KIT_MAX_BYTES, MINIPROGRAM_ES_TARGET, miniprogramDir } from "../scripts/build-miniprogram";

/** Every compiled script: app.js, lib/kit.js, pages/x/x.js, components/x/x.js. */
function bundles(): string[] {
  const found: string[] = [join(miniprogramDir, "app.js"), join(miniprogramDir, "lib/kit.js")];
  for (const group of ["pages", "components"]) {
    for (const name of readdirSync(join(miniprogramDir, group))) found.push(join(miniprogramDir, group, name, `${name}.js`));
  }
  return found;
}

/** eval, new Function, or the Function constructor reached any other way (`F = Function; new F()`). */
const DYNAMIC_CODE = /\beval\s*\(|\bnew\s+Function\b|(?<![\w$.])Function\s*\(|=\s*Function\b(?!\s*\.)/;

describe("mini program bundles", () => {
  before(() => buildMiniprogram());

  it(`lib/kit.js stays under ${KIT_MAX_BYTES / 1024} KB`, () => {
    const size = statSync(join(miniprogramDir, "lib/kit.js")).size;
    assert.ok(size <= KIT_MAX_BYTES, `lib/kit.js is ${Math.round(size / 1024)} KB`);
  });

  it("no bundle evaluates code from strings", () => {
    for (const file of bundles()) {
      const match = DYNAMIC_CODE.exec(readFileSync(file, "utf8"));
      assert.equal(match, null, `${relative(miniprogramDir, file)}: ${match?.input.slice(Math.max(0, match.index - 60), match.index + 60)}`);
    }
  });

  it(`every bundle parses as ES${MINIPROGRAM_ES_TARGET}`, () => {
    for (const file of bundles()) {
      assert.doesNotThrow(() => parse(readFileSync(file, "utf8"), { ecmaVersion: MINIPROGRAM_ES_TARGET, sourceType: "script" }), relative(miniprogramDir, file));
    }
  });
});
