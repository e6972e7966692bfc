// Every HTTP route and room, with the roles allowed to use it, for the authorization and fuzz tests.
import {
  api,
  conversationPath,
  copiedToD1,
  enter,
  loginCustomer,
  loginStaff,
  RawSocket,
  staffPath,
  type TestSystem,
  staffCodeOf,
  TEST_PUSH_TOKEN,
} from "./harness";
import { pushSignature } from "../fake-wechat/server";

/** The query WeChat signs a message push with (signature, timestamp, nonce). */
export function signedPushQuery(token = TEST_PUSH_TOKEN, timestamp = String(Math.floor(Date.now() / 1000)), nonce = String(Math.floor(Math.random() * 1e9))): string {
  return new URLSearchParams({ signature: pushSignature(token, timestamp, nonce), timestamp, nonce }).toString();
}

export const ROLES = ["anonymous", "customer", "otherCustomer", "staff", "otherStaff", "supervisor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export type World = {
  tokens: Record<Role, string | undefined>;
  conversationId: string;
  customerId: string;
  staffId: string;
  mediaKey: string;
};

export type RouteCase = {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: (w: World) => string;
  /** A body that passes authorization but, where the route changes state, fails validation. */
  body?: unknown;
  /** Multipart upload instead of JSON. */
  upload?: boolean;
  allowed: readonly Role[];
  /** Runs last: it changes state that other rows rely on. */
  last?: boolean;
  /** Revokes the caller's sessions: runs after every other check that uses the same tokens. */
  revokes?: boolean;
  /** The route reads no body (nothing for the fuzzer to try); it may change state. */
  ignoresBody?: boolean;
};

const CUSTOMERS = ["customer", "otherCustomer"] as const;
const STAFF = ["staff", "otherStaff", "supervisor", "admin"] as const;
const MANAGERS = ["supervisor", "admin"] as const;
const PARTIES = ["customer", "staff", "supervisor", "admin"] as const;
const STAFF_PARTIES = ["staff", "supervisor", "admin"] as const;

// Every route of worker/app.ts: test/unit/route-table.test.ts fails when one is missing here.
export const ROUTES: RouteCase[] = [
  { method: "GET", path: () => "/api/health", allowed: ROLES },
  { method: "POST", path: () => "/api/auth/customer", body: {}, allowed: ROLES },
  { method: "POST", path: () => "/api/auth/guest", body: {}, allowed: ROLES },
  { method: "POST", path: () => "/api/auth/staff", body: {}, allowed: ROLES },
  { method: "POST", path: () => "/api/auth/staff/wechat", body: {}, allowed: ROLES },
  // H5 production sign-in: WeChat web authorization and one-time entry links (test/h5-sign-in.test.ts).
  { method: "POST", path: () => "/api/auth/h5/wechat/start", body: { scene: 42 }, allowed: ROLES },
  { method: "POST", path: () => "/api/auth/h5/wechat", body: {}, allowed: ROLES },
  { method: "POST", path: () => "/api/auth/h5/link", body: {}, allowed: ROLES },
  // TOTP enrolment before the first login when TOTP is required: staff code and password, no token.
  { method: "POST", path: () => "/api/auth/staff/totp/setup", body: {}, allowed: ROLES },
  { method: "POST", path: () => "/api/auth/staff/wechat/bind", body: {}, allowed: STAFF },
  { method: "DELETE", path: () => "/api/auth/staff/wechat/bind", allowed: STAFF, ignoresBody: true },
  { method: "POST", path: () => "/api/auth/staff/password", body: {}, allowed: STAFF },
  { method: "GET", path: () => "/api/auth/me", allowed: ROLES.filter((r) => r !== "anonymous") },
  { method: "POST", path: () => "/api/signed-urls", body: {}, allowed: ROLES.filter((r) => r !== "anonymous") },
  { method: "POST", path: () => "/api/auth/ticket", allowed: ROLES.filter((r) => r !== "anonymous"), ignoresBody: true },
  // Revokes every session of the caller's account: after every other row.
  { method: "POST", path: () => "/api/auth/logout", allowed: ROLES.filter((r) => r !== "anonymous"), ignoresBody: true, last: true, revokes: true },
  // WeChat's message push: no account, a signature made with WECHAT_PUSH_TOKEN (test/media-check.test.ts refuses bad ones).
  { method: "GET", path: () => `/api/wechat/push?${signedPushQuery()}&echostr=hello`, allowed: ROLES },
  { method: "POST", path: () => `/api/wechat/push?${signedPushQuery()}`, body: {}, allowed: ROLES },
  { method: "POST", path: () => "/api/entry", body: { scene: 42 }, allowed: CUSTOMERS },
  { method: "GET", path: () => "/api/staff/conversations", allowed: STAFF },
  { method: "GET", path: () => "/api/colleagues", allowed: STAFF },
  { method: "GET", path: (w) => `/api/conversations/${w.conversationId}`, allowed: PARTIES },
  { method: "GET", path: (w) => `/api/conversations/${w.conversationId}/messages`, allowed: PARTIES },
  { method: "GET", path: (w) => `/api/conversations/${w.conversationId}/earlier`, allowed: ["customer"] },
  { method: "POST", path: (w) => `/api/conversations/${w.conversationId}/transfer`, body: {}, allowed: STAFF_PARTIES },
  { method: "POST", path: (w) => `/api/conversations/${w.conversationId}/rating`, body: { score: 9 }, allowed: ["customer"] },
  { method: "POST", path: (w) => `/api/conversations/${w.conversationId}/outcome`, body: {}, allowed: STAFF_PARTIES },
  { method: "GET", path: (w) => `/api/conversations/${w.conversationId}/pushes`, allowed: STAFF_PARTIES },
  { method: "GET", path: (w) => `/api/customers/${w.customerId}`, allowed: STAFF_PARTIES },
  { method: "POST", path: (w) => `/api/customers/${w.customerId}/h5-link`, allowed: STAFF_PARTIES, ignoresBody: true },
  { method: "PATCH", path: (w) => `/api/customers/${w.customerId}`, body: { tags: "vip" }, allowed: STAFF_PARTIES },
  { method: "PUT", path: (w) => `/api/customers/${w.customerId}`, body: { tags: "vip" }, allowed: STAFF_PARTIES },
  { method: "GET", path: () => "/api/pushes/arrival", allowed: MANAGERS },
  { method: "GET", path: () => "/api/templates", allowed: STAFF },
  { method: "GET", path: () => "/api/subscriptions", allowed: CUSTOMERS },
  { method: "POST", path: () => "/api/subscriptions", body: { results: "accept" }, allowed: CUSTOMERS },
  { method: "POST", path: () => "/api/pushes/p_missing/retry", allowed: STAFF },
  { method: "POST", path: () => "/api/pushes/p_missing/click", allowed: CUSTOMERS },
  { method: "POST", path: () => "/api/media", upload: true, allowed: PARTIES },
  { method: "GET", path: (w) => `/api/${w.mediaKey}`, allowed: PARTIES },
  { method: "GET", path: () => "/api/admin/settings", allowed: MANAGERS },
  { method: "PUT", path: () => "/api/admin/settings", body: { pushPerHour: -1 }, allowed: ["admin"] },
  { method: "GET", path: () => "/api/admin/backups", allowed: ["admin"] },
  { method: "POST", path: () => "/api/admin/backups", allowed: ["admin"], ignoresBody: true },
  { method: "GET", path: () => "/api/admin/backups/kefu-missing", allowed: ["admin"] },
  { method: "GET", path: () => "/api/admin/account", allowed: MANAGERS },
  { method: "POST", path: () => "/api/admin/account/totp/setup", allowed: MANAGERS, ignoresBody: true },
  { method: "POST", path: () => "/api/admin/account/totp", body: {}, allowed: MANAGERS },
  { method: "DELETE", path: () => "/api/admin/account/totp", allowed: MANAGERS, ignoresBody: true },
  { method: "GET", path: () => "/api/admin/staff", allowed: MANAGERS },
  { method: "POST", path: () => "/api/admin/staff", body: {}, allowed: ["admin"] },
  { method: "PATCH", path: (w) => `/api/admin/staff/${w.staffId}`, body: { role: "emperor" }, allowed: ["admin"] },
  { method: "POST", path: (w) => `/api/admin/staff/${w.staffId}/password`, body: {}, allowed: ["admin"] },
  { method: "POST", path: (w) => `/api/admin/staff/${w.staffId}/totp/setup`, allowed: ["admin"], ignoresBody: true },
  { method: "POST", path: (w) => `/api/admin/staff/${w.staffId}/totp`, body: {}, allowed: ["admin"] },
  { method: "DELETE", path: (w) => `/api/admin/staff/${w.staffId}/totp`, allowed: ["admin"], ignoresBody: true },
  { method: "GET", path: (w) => `/api/admin/staff/${w.staffId}/h5-qrcode`, allowed: MANAGERS },
  { method: "GET", path: (w) => `/api/admin/staff/${w.staffId}/qrcode`, allowed: MANAGERS },
  { method: "POST", path: (w) => `/api/admin/staff/${w.staffId}/qrcode`, allowed: ["admin"], ignoresBody: true },
  { method: "GET", path: () => "/api/admin/groups", allowed: MANAGERS },
  { method: "POST", path: () => "/api/admin/groups", body: {}, allowed: ["admin"] },
  { method: "PATCH", path: () => "/api/admin/groups/g_missing", body: {}, allowed: ["admin"] },
  { method: "DELETE", path: () => "/api/admin/groups/g_missing", allowed: ["admin"] },
  { method: "GET", path: () => "/api/admin/customers", allowed: MANAGERS },
  { method: "GET", path: (w) => `/api/admin/customers/${w.customerId}`, allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/conversations", allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/conversations/export", allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/stats", allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/queue", allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/reports/series", allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/reports/satisfaction", allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/reports/pushes", allowed: MANAGERS },
  { method: "GET", path: () => "/api/admin/templates", allowed: MANAGERS },
  { method: "POST", path: () => "/api/admin/templates", body: {}, allowed: ["admin"] },
  { method: "PUT", path: () => "/api/admin/templates/t_missing", body: {}, allowed: ["admin"] },
  { method: "DELETE", path: () => "/api/admin/templates/t_missing", allowed: ["admin"], ignoresBody: true },
  { method: "PUT", path: () => "/api/admin/on-duty", body: {}, allowed: ["admin"] },
  { method: "POST", path: (w) => `/api/conversations/${w.conversationId}/end`, allowed: STAFF_PARTIES, last: true },
];

export const ROOMS: { name: string; path: (w: World) => string; allowed: readonly Role[] }[] = [
  { name: "conversation", path: (w) => conversationPath(w.conversationId), allowed: PARTIES },
  { name: "staff", path: (w) => staffPath(w.staffId), allowed: ["staff"] },
  { name: "monitor", path: () => "/parties/monitor-room/main", allowed: MANAGERS },
];

// A 1×1 PNG.
export const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

export function uploadForm(conversationId: string, bytes: Uint8Array = PNG, name = "a.png", type = "image/png"): FormData {
  const form = new FormData();
  form.set("conversationId", conversationId);
  form.set("file", new Blob([new Uint8Array(bytes)], { type }), name);
  return form;
}

/** A customer with a started conversation, the other parties around it, and a media file in it. */
export async function makeWorld(sys: TestSystem): Promise<World> {
  const customer = await loginCustomer(sys);
  const entry = await enter(sys, customer.token);
  const otherCustomer = await loginCustomer(sys);
  await enter(sys, otherCustomer.token);
  const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
  await socket.opened;
  socket.send({ type: "send", clientId: "world-first-message", content: { kind: "text", text: "你好" } });
  await socket.waitFor("ack");
  socket.close();
  // Tests compare D1 before and after: the room's copy of this first message lands first.
  await copiedToD1(sys, entry.conversationId, 1);
  const upload = await api(sys, "/api/media", { token: customer.token, raw: uploadForm(entry.conversationId) });
  if (upload.status !== 201) throw new Error(`upload failed: ${JSON.stringify(upload.body)}`);
  const staff = await loginStaff(sys, staffCodeOf(entry.staff));
  const otherStaff = await loginStaff(sys, staffCodeOf(entry.staff) === "kf01" ? "kf02" : "kf01");
  return {
    tokens: {
      anonymous: undefined,
      customer: customer.token,
      otherCustomer: otherCustomer.token,
      staff: staff.token,
      otherStaff: otherStaff.token,
      supervisor: (await loginStaff(sys, "sup01")).token,
      admin: (await loginStaff(sys, "admin", "admin123")).token,
    },
    conversationId: entry.conversationId,
    customerId: customer.id,
    staffId: staff.id,
    mediaKey: upload.body.key,
  };
}

export function callRoute(sys: TestSystem, w: World, route: RouteCase, token: string | undefined) {
  return api(sys, route.path(w), {
    method: route.method,
    token,
    body: route.upload ? undefined : route.body,
    raw: route.upload ? uploadForm(w.conversationId) : undefined,
  });
}
