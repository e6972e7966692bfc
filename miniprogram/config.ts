// Deployment settings of the mini program. The API base can be overridden at run time through
// storage (key API_BASE_KEY), which the tests and a developer's debug panel use.

/** The kefu server; production must be an https domain on the mini program's request/socket allow list. */
export const DEFAULT_API_BASE = "http://127.0.0.1:8787";
export const API_BASE_KEY = "kefu:apiBase";

/** Subscribe templates asked for on send taps when the server does not name any (GET /api/subscriptions). */
export const FALLBACK_TEMPLATE_IDS = ["TPL_REPLY"];

export function apiBase(): string {
  const override = wx.getStorageSync(API_BASE_KEY);
  return typeof override === "string" && override ? override : DEFAULT_API_BASE;
}
