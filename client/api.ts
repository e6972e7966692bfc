// Typed calls to the HTTP API, shared by the mini program (wx.request / wx.uploadFile) and the
// H5 page (fetch). Every response is parsed with the protocol's schemas before it is used.
import * as z from "zod";
import {
  conversationStateSchema,
  customerProfileSchema,
  earlierPageSchema,
  entryResultSchema,
  errorBodySchema,
  h5EntryLinkSchema,
  h5LinkLoginResultSchema,
  h5WechatStartResultSchema,
  inboxItemSchema,
  loginResultSchema,
  mediaUploadResultSchema,
  messageSchema,
  signedUrlsSchema,
  socketTicketSchema,
  roleSchema,
  staffCardSchema,
  staffStatusSchema,
  subscriptionsResultSchema,
  templateSchema,
  totpSetupSchema,
  type ConversationStatus,
  type SubscribeResult,
  type customerPatchSchema,
  type templateKindSchema,
} from "../protocol";

/** The methods every platform sends: WeChat's wx.request has no PATCH (OPTIONS GET HEAD POST PUT DELETE TRACE CONNECT). */
export type HttpMethod = "GET" | "POST" | "PUT" | "DELETE";
export type TransportResponse = { status: number; body: unknown };

/** How a platform performs HTTP; F is what it uploads (a Blob on H5, a temp file path in the mini program). */
export type Transport<F> = {
  request(req: { method: HttpMethod; url: string; headers: Record<string, string>; body?: string }): Promise<TransportResponse>;
  upload(req: { url: string; headers: Record<string, string>; file: F; fileName: string; fields: Record<string, string> }): Promise<TransportResponse>;
};

/** A failed call: HTTP status plus the server's {code, message} (message is shown to the user). */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const staffLoginResultSchema = loginResultSchema.extend({ name: z.string().optional() });
const conversationDetailSchema = z.object({
  conversation: inboxItemSchema,
  staff: staffCardSchema,
  lastSeq: z.number().int(),
  endedAt: z.number().nullable(),
  /** How the conversation went, as staff or a supervisor marked it. */
  outcome: z.object({ resolved: z.boolean(), converted: z.boolean() }).optional(),
});
export type ConversationDetail = z.infer<typeof conversationDetailSchema>;
const historySchema = z.object({ messages: z.array(messageSchema), lastSeq: z.number().int() });
const inboxSchema = z.object({ items: z.array(inboxItemSchema) });
const colleagueSchema = staffCardSchema.extend({ code: z.string(), role: roleSchema });
export type Colleague = z.infer<typeof colleagueSchema>;
const customerDetailSchema = z.object({ customer: customerProfileSchema, conversations: z.array(inboxItemSchema) });
export type CustomerDetail = z.infer<typeof customerDetailSchema>;
const meSchema = z.object({
  role: z.string(),
  id: z.string(),
  name: z.string().optional(),
  nickname: z.string().nullable().optional(),
  status: staffStatusSchema.optional(),
  wechatBound: z.boolean().optional(),
});
const anyBody = z.unknown();

/** staffId: one staff member's conversations (supervisors and admins; without it they get everyone's). */
export type InboxQuery = { status?: ConversationStatus; awaiting?: boolean; from?: number; to?: number; limit?: number; before?: number; staffId?: string };
export type HistoryQuery = { before?: number; after?: number; limit?: number };

/** `a=1&b=2` from the defined entries (no URLSearchParams: the mini program has none). */
export function queryString(params: Record<string, string | number | boolean | undefined>): string {
  const parts = Object.entries(params)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}

/** A signed URL is renewed this long before it expires. */
const SIGNED_URL_MARGIN_MS = 60_000;

export class ApiClient<F> {
  readonly baseUrl: string;

  constructor(
    private readonly options: {
      baseUrl: string;
      transport: Transport<F>;
      token: () => string | null;
      /** Called on 401 so the app can log in again. */
      onUnauthorized?: () => void;
    },
  ) {
    this.baseUrl = options.baseUrl.replace(/\/$/, "");
  }

  private headers(): Record<string, string> {
    const token = this.options.token();
    return token ? { authorization: `Bearer ${token}` } : {};
  }

  private check<T>(res: TransportResponse, schema: z.ZodType<T>): T {
    if (res.status >= 400) {
      const err = errorBodySchema.safeParse(res.body);
      if (res.status === 401) this.options.onUnauthorized?.();
      throw new ApiRequestError(res.status, err.success ? err.data.code : "internal", err.success ? err.data.message : `请求失败（${res.status}）`);
    }
    const parsed = schema.safeParse(res.body);
    if (!parsed.success) throw new ApiRequestError(res.status, "bad_response", "服务器返回了无法识别的数据");
    return parsed.data;
  }

  private async call<T>(method: HttpMethod, path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const headers = this.headers();
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: TransportResponse;
    try {
      res = await this.options.transport.request({
        method,
        url: `${this.baseUrl}${path}`,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiRequestError(0, "network", "网络不可用，请检查网络后重试");
    }
    return this.check(res, schema);
  }

  /** Absolute URL of a server path (staff avatars are stored as /avatars/1.svg). */
  assetUrl(path: string | null): string {
    if (!path) return "";
    return /^https?:\/\//.test(path) ? path : `${this.baseUrl}${path.startsWith("/") ? "" : "/"}${path}`;
  }

  private readonly signed = new Map<string, { url: string; expiresAt: number }>();
  private readonly signing = new Map<string, Promise<string>>();
  private readonly renewals = new Map<string, ReturnType<typeof setTimeout>>();
  private batch: { paths: string[]; done: Promise<Record<string, string>> } | null = null;

  /**
   * An absolute URL of `path` signed for a few minutes (`?sig=`), for <image>/<audio>, downloads
   * and QR codes, which cannot send the Authorization header. Cached until a minute before it
   * expires; paths asked for in the same tick are signed in one request.
   */
  signedUrl(path: string): Promise<string> {
    const cached = this.signed.get(path);
    if (cached && cached.expiresAt - SIGNED_URL_MARGIN_MS > Date.now()) return Promise.resolve(cached.url);
    let pending = this.signing.get(path);
    if (!pending) {
      pending = this.signBatched(path).finally(() => this.signing.delete(path));
      this.signing.set(path, pending);
    }
    return pending;
  }

  /**
   * The signed URL of `path` now, for code that renders synchronously: the cached one (even if
   * about to expire, while a fresh one is fetched), or "" until the first arrives. `onReady` is
   * called when a new URL is there to render.
   */
  signedUrlNow(path: string, onReady?: () => void): string {
    const cached = this.signed.get(path);
    const renew = () =>
      this.signedUrl(path).then(
        () => onReady?.(),
        () => {},
      );
    if (!cached || cached.expiresAt - SIGNED_URL_MARGIN_MS <= Date.now()) renew();
    else if (onReady && !this.renewals.has(path)) {
      // A page left open renders again with a fresh URL before this one expires (a voice clip is
      // fetched only when played); a closed page ignores onReady, which ends the chain.
      const timer = setTimeout(() => {
        this.renewals.delete(path);
        renew();
      }, cached.expiresAt - SIGNED_URL_MARGIN_MS - Date.now());
      (timer as { unref?: () => void }).unref?.();
      this.renewals.set(path, timer);
    }
    return cached && cached.expiresAt > Date.now() ? cached.url : "";
  }

  /** Signed URL of a stored image or voice file (see signedUrlNow). */
  mediaUrl(key: string, onReady?: () => void): string {
    return this.signedUrlNow(`/api/${key}`, onReady);
  }

  private async signBatched(path: string): Promise<string> {
    if (!this.batch) {
      const batch: { paths: string[]; done: Promise<Record<string, string>> } = { paths: [], done: Promise.resolve({}) };
      batch.done = Promise.resolve().then(async () => {
        if (this.batch === batch) this.batch = null;
        const res = await this.call("POST", "/api/signed-urls", signedUrlsSchema, { paths: batch.paths });
        for (const [p, url] of Object.entries(res.urls)) this.signed.set(p, { url: this.assetUrl(url), expiresAt: res.expiresAt });
        return res.urls;
      });
      this.batch = batch;
    }
    const batch = this.batch;
    batch.paths.push(path);
    if (batch.paths.length >= 100) this.batch = null;
    await batch.done;
    const signed = this.signed.get(path);
    if (!signed) throw new ApiRequestError(200, "bad_response", "服务器返回了无法识别的数据");
    return signed.url;
  }

  loginCustomer(code: string) {
    return this.call("POST", "/api/auth/customer", loginResultSchema, { code });
  }
  loginGuest(deviceId: string) {
    return this.call("POST", "/api/auth/guest", loginResultSchema, { deviceId });
  }
  /** H5 inside WeChat: where to send the browser for web authorization, and the state to expect back. */
  startH5Wechat(scene?: string) {
    return this.call("POST", "/api/auth/h5/wechat/start", h5WechatStartResultSchema, scene ? { scene } : {});
  }
  loginH5Wechat(code: string, state: string) {
    return this.call("POST", "/api/auth/h5/wechat", loginResultSchema, { code, state });
  }
  /** H5 outside WeChat: a one-time entry link a staff member created for this customer. */
  loginH5Link(link: string) {
    return this.call("POST", "/api/auth/h5/link", h5LinkLoginResultSchema, { link });
  }
  /** Staff: a one-time H5 entry link for a customer they serve. */
  createH5Link(customerId: string) {
    return this.call("POST", `/api/customers/${encodeURIComponent(customerId)}/h5-link`, h5EntryLinkSchema);
  }
  loginStaff(body: { code: string; password: string; totp?: string; totpSecret?: string }) {
    return this.call("POST", "/api/auth/staff", staffLoginResultSchema, body);
  }
  /** A TOTP secret to enrol with at login, when TOTP is required and the account has none yet. */
  staffTotpSetup(body: { code: string; password: string }) {
    return this.call("POST", "/api/auth/staff/totp/setup", totpSetupSchema, body);
  }
  /** A minute-long ticket for one socket upgrade: socket URLs never carry the login token. */
  async socketTicket(): Promise<string> {
    return (await this.call("POST", "/api/auth/ticket", socketTicketSchema)).ticket;
  }
  loginStaffWechat(code: string, totp?: string) {
    return this.call("POST", "/api/auth/staff/wechat", staffLoginResultSchema, { code, totp });
  }
  /** The signed-in staff member's own password; the change ends every session of the account, this one included. */
  changeStaffPassword(currentPassword: string, newPassword: string) {
    return this.call("POST", "/api/auth/staff/password", z.object({ ok: z.literal(true) }), { currentPassword, newPassword });
  }
  bindStaffWechat(code: string) {
    return this.call("POST", "/api/auth/staff/wechat/bind", z.object({ bound: z.boolean() }), { code });
  }
  me() {
    return this.call("GET", "/api/auth/me", meSchema);
  }
  entry(scene?: string) {
    return this.call("POST", "/api/entry", entryResultSchema, scene ? { scene } : {});
  }
  conversation(id: string) {
    return this.call("GET", `/api/conversations/${encodeURIComponent(id)}`, conversationDetailSchema);
  }
  /** The customer's earlier conversations, a page at a time (`before`: the previous page's `next`). */
  earlier(id: string, before?: string, limit?: number) {
    return this.call("GET", `/api/conversations/${encodeURIComponent(id)}/earlier${queryString({ before, limit })}`, earlierPageSchema);
  }
  messages(id: string, q: HistoryQuery = {}) {
    return this.call("GET", `/api/conversations/${encodeURIComponent(id)}/messages${queryString(q)}`, historySchema);
  }
  inbox(q: InboxQuery = {}) {
    return this.call("GET", `/api/staff/conversations${queryString(q)}`, inboxSchema);
  }
  transfer(id: string, toStaffId: string, reason?: string) {
    return this.call(
      "POST",
      `/api/conversations/${encodeURIComponent(id)}/transfer`,
      z.object({ conversation: conversationStateSchema, staff: staffCardSchema }),
      { toStaffId, reason },
    );
  }
  end(id: string) {
    return this.call("POST", `/api/conversations/${encodeURIComponent(id)}/end`, z.object({ conversation: conversationStateSchema }), {});
  }
  /** Marks how the conversation went (resolution and conversion rates in the statistics). */
  outcome(id: string, outcome: { resolved?: boolean; converted?: boolean }) {
    return this.call("POST", `/api/conversations/${encodeURIComponent(id)}/outcome`, z.object({ resolved: z.boolean(), converted: z.boolean() }), outcome);
  }
  rate(id: string, score: number, comment?: string) {
    return this.call("POST", `/api/conversations/${encodeURIComponent(id)}/rating`, z.object({ ok: z.boolean(), score: z.number() }), {
      score,
      comment: comment?.trim() ? comment.trim() : undefined,
    });
  }
  colleagues() {
    return this.call("GET", "/api/colleagues", z.object({ staff: z.array(colleagueSchema) }));
  }
  customer(id: string) {
    return this.call("GET", `/api/customers/${encodeURIComponent(id)}`, customerDetailSchema);
  }
  /** Partial update (PUT: the server takes the same partial body as the admin's PATCH). */
  updateCustomer(id: string, patch: z.input<typeof customerPatchSchema>) {
    return this.call("PUT", `/api/customers/${encodeURIComponent(id)}`, z.object({ customer: customerProfileSchema }), patch);
  }
  templates(kind: z.infer<typeof templateKindSchema> = "quick_reply") {
    return this.call("GET", `/api/templates${queryString({ kind })}`, z.object({ templates: z.array(templateSchema) }));
  }
  /** Templates to ask for on send taps, and this customer's credits. */
  subscriptions() {
    return this.call("GET", "/api/subscriptions", subscriptionsResultSchema);
  }
  /** Reports what the user answered to wx.requestSubscribeMessage (one send credit per accept). */
  reportSubscriptions(results: Record<string, SubscribeResult>) {
    return this.call("POST", "/api/subscriptions", anyBody, { results });
  }
  /** Records that a subscribe push was opened. */
  pushClicked(pushId: string) {
    return this.call("POST", `/api/pushes/${encodeURIComponent(pushId)}/click`, anyBody, {});
  }

  async upload(conversationId: string, file: F, fileName: string) {
    let res: TransportResponse;
    try {
      res = await this.options.transport.upload({
        url: `${this.baseUrl}/api/media`,
        headers: this.headers(),
        file,
        fileName,
        fields: { conversationId },
      });
    } catch {
      throw new ApiRequestError(0, "network", "上传失败，请检查网络后重试");
    }
    return this.check(res, mediaUploadResultSchema);
  }
}

/** The browser's (and Node's) fetch as a transport; uploads a Blob as multipart form data. */
export const fetchTransport: Transport<Blob> = {
  async request({ method, url, headers, body }) {
    const res = await fetch(url, { method, headers, body });
    return { status: res.status, body: await readBody(res) };
  },
  async upload({ url, headers, file, fileName, fields }) {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    form.set("file", file, fileName);
    const res = await fetch(url, { method: "POST", headers, body: form });
    return { status: res.status, body: await readBody(res) };
  },
};

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** host and ws/wss protocol of a base URL, for partysocket. */
export function socketTarget(baseUrl: string): { host: string; protocol: "ws" | "wss" } {
  const m = /^(https?):\/\/([^/]+)/.exec(baseUrl);
  if (!m) throw new Error(`invalid base URL: ${baseUrl}`);
  return { host: m[2], protocol: m[1] === "https" ? "wss" : "ws" };
}

/** A socket ticket with plain fetch (browser apps, Node tools). */
export async function fetchSocketTicket(baseUrl: string, token: string): Promise<string> {
  const res = await fetch(`${baseUrl.replace(/\/$/, "")}/api/auth/ticket`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  const body: unknown = await res.json();
  if (!res.ok) {
    const err = errorBodySchema.safeParse(body);
    throw new ApiRequestError(res.status, err.success ? err.data.code : "internal", err.success ? err.data.message : `请求失败（${res.status}）`);
  }
  return socketTicketSchema.parse(body).ticket;
}
