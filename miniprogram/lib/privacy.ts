// The privacy popup (用户隐私保护指引): WeChat holds a privacy-protected call (wx.chooseMedia, the
// recorder) and fires wx.onNeedPrivacyAuthorization until the user agrees through a
// <button open-type="agreePrivacyAuthorization">; the composer shows that button.
type Resolve = (result: { event: "agree" | "disagree" | "exposureAuthorization"; buttonId?: string }) => void;

/** The id of the agree button in the composer's WXML; WeChat checks that this button was tapped. */
export const PRIVACY_AGREE_BUTTON = "agree-privacy";

let pending: Resolve | null = null;
const viewers = new Set<(shown: boolean) => void>();
let listening = false;

/** Registers a view that shows (or hides) the popup; returns the unregister function. */
export function watchPrivacy(show: (shown: boolean) => void): () => void {
  if (!listening && typeof wx.onNeedPrivacyAuthorization === "function") {
    listening = true;
    wx.onNeedPrivacyAuthorization((resolve) => {
      pending = resolve as unknown as Resolve;
      pending({ event: "exposureAuthorization" });
      viewers.forEach((v) => v(true));
    });
  }
  viewers.add(show);
  return () => viewers.delete(show);
}

function answer(result: Parameters<Resolve>[0]): void {
  const resolve = pending;
  pending = null;
  viewers.forEach((v) => v(false));
  resolve?.(result);
}

/** bindagreeprivacyauthorization of the agree button: the held call goes on. */
export function agreePrivacy(): void {
  answer({ event: "agree", buttonId: PRIVACY_AGREE_BUTTON });
}

/** The user declined: the held call fails ("privacy permission is not authorized"). */
export function declinePrivacy(): void {
  answer({ event: "disagree" });
}

/**
 * Microphone permission before recording. After an earlier refusal WeChat no longer asks, so the
 * user is sent to the settings page (wx.openSetting) instead; resolves true when recording may start.
 */
export function ensureRecordPermission(): Promise<boolean> {
  return new Promise((resolve) => {
    wx.getSetting({
      success: (res) => {
        if (res.authSetting["scope.record"] !== false) return resolve(true);
        wx.showModal({
          title: "需要麦克风权限",
          content: "发送语音需要使用麦克风，请在设置中允许",
          confirmText: "去设置",
          success: (m) => {
            if (!m.confirm) return resolve(false);
            wx.openSetting({ success: (s) => resolve(s.authSetting["scope.record"] === true), fail: () => resolve(false) });
          },
          fail: () => resolve(false),
        });
      },
      fail: () => resolve(true),
    });
  });
}
