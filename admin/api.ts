// HTTP access to the Worker's API with the signed-in token; errors carry the server's message.
import { useState } from "preact/hooks";
import { ApiClient, fetchTransport } from "../client/api";
import type { Role } from "../protocol";

const TOKEN_KEY = "kefu-admin-session";

export type Session = { token: string; expiresAt: number; role: Role; id: string; name: string };
export const isManager = (s: Session) => s.role === "supervisor" || s.role === "admin";

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(TOKEN_KEY) ?? "null") as Session | null;
    return s && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}
export const saveSession = (s: Session | null) => (s ? localStorage.setItem(TOKEN_KEY, JSON.stringify(s)) : localStorage.removeItem(TOKEN_KEY));

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let onUnauthorized: (notice?: string) => void = () => {};
export const setUnauthorizedHandler = (fn: (notice?: string) => void) => (onUnauthorized = fn);
/** Ends this browser's session: the sign-in page shows `notice`. */
export const endSession = (notice: string) => onUnauthorized(notice);

/** The shared client library's API client (schema-checked responses), used by the workbench. */
export const kefu = new ApiClient<Blob>({
  baseUrl: location.origin,
  transport: fetchTransport,
  token: () => loadSession()?.token ?? null,
  onUnauthorized: () => onUnauthorized(),
});

export async function request(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  const session = loadSession();
  const headers: Record<string, string> = {};
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method: init.method ?? (init.body !== undefined ? "POST" : "GET"),
    headers,
    body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
    if (res.status === 401 && session) onUnauthorized();
    throw new HttpError(res.status, body.code ?? "error", body.message ?? `请求失败（${res.status}）`);
  }
  return res;
}

/** A write whose answer the page does not use. */
export async function call(path: string, init: { method?: string; body?: unknown } = {}): Promise<void> {
  await request(path, init);
}

/** A call whose answer is checked against its protocol schema instead of being trusted. */
export async function callChecked<T>(path: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const parsed = schema.safeParse(await (await request(path, init)).json());
  if (!parsed.success) throw new HttpError(200, "bad_response", "服务器返回了无法识别的数据");
  return parsed.data;
}

/**
 * A short-lived signed URL of `path` for <img>, <audio> and downloads (the login token never goes
 * into a URL): "" until it arrives; renewed when the component renders near its expiry.
 */
export function useSignedUrl(path: string): string {
  const [, rerender] = useState(0);
  return kefu.signedUrlNow(path, () => rerender((n) => n + 1));
}

export const query = (params: Record<string, string | number | undefined | null>) =>
  new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [k, String(v)])).toString();
