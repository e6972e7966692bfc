// Privacy (用户隐私保护指引) and the microphone permission, on the composer component: the shim
// refuses a scope the guide does not declare (errno 112), holds privacy-protected calls until the
// user agrees through the popup's agreePrivacyAuthorization button, and does not ask for the
// microphone again after a refusal (only the settings page can allow it).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, beforeEach, describe, it } from "node:test";
import { miniprogramDir } from "../scripts/build-miniprogram";
import { eventually } from "./harness";
import { createWx, renderPage, setupMiniprogram, type WxShim } from "./miniprogram-shim";

let shim: WxShim;

before(async () => {
  shim = createWx();
  // The composer makes no server calls.
  await setupMiniprogram(shim, "http://127.0.0.1:9");
});

beforeEach(() => {
  shim.privacy.agreed = false;
  for (const key of Object.keys(shim.authSetting)) delete shim.authSetting[key];
  shim.record.toasts.length = 0;
  shim.record.recordings = 0;
});

function composer() {
  const c = renderPage("components/composer/composer");
  c.setData({ voiceMode: true });
  return c;
}

describe("privacy and permissions", () => {
  it("the privacy guide declares album, camera and microphone", () => {
    const guide = JSON.parse(readFileSync(join(miniprogramDir, "privacy.json"), "utf8")) as { declarations: { scope: string }[] };
    assert.deepEqual(guide.declarations.map((d) => d.scope).sort(), ["album", "camera", "microphone"]);
  });

  it("recording waits for the privacy popup; agreeing through its button starts it", async () => {
    const c = composer();
    void c.instance.startRecord();
    await eventually(() => c.instance.data.privacyShown, 5000, "privacy popup shown");
    assert.equal(shim.record.recordings, 0);
    c.querySelector("#agree-privacy")!.dispatchEvent("agreeprivacyauthorization");
    await eventually(() => shim.record.recordings === 1, 5000, "recording started");
    assert.equal(c.instance.data.privacyShown, false);
    c.detach();
  });

  it("declining the privacy popup records nothing and says why", async () => {
    const c = composer();
    void c.instance.startRecord();
    await eventually(() => c.instance.data.privacyShown, 5000, "privacy popup shown");
    c.querySelector(".privacy-decline")!.dispatchEvent("tap");
    await eventually(() => shim.record.toasts.includes("未获得麦克风权限，无法录音"), 5000, "refusal explained");
    assert.equal(shim.record.recordings, 0);
    c.detach();
  });

  it("after the microphone was refused, the user is sent to the settings page", async () => {
    shim.privacy.agreed = true;
    shim.authSetting["scope.record"] = false;
    const c = composer();
    await c.instance.startRecord();
    assert.ok(shim.record.modals.includes("需要麦克风权限"));
    assert.equal(shim.record.openSettings, 1);
    // The user switched the microphone on there: recording starts.
    assert.equal(shim.record.recordings, 1);
    c.detach();
  });

  it("a scope missing from the privacy guide fails with errno 112", async () => {
    shim.privacy.agreed = true;
    shim.privacy.declared.delete("microphone");
    try {
      const c = composer();
      await c.instance.startRecord();
      await eventually(() => shim.record.toasts.length > 0, 5000, "error shown");
      assert.equal(shim.record.recordings, 0);
      c.detach();
    } finally {
      shim.privacy.declared.add("microphone");
    }
  });
});
