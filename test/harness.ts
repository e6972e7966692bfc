// Starts a fresh system per test file: the fake WeChat API in this process, and
// `wrangler dev` (workerd, local D1/R2/Durable Objects) on a fresh state directory copied from
// the run's migrated and seeded template (see scripts/system.ts), plus the file's own SQL.
import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { after, before } from "node:test";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { ConversationClient, type ConversationEvents } from "../client/conversation-client";
import { fetchSocketTicket } from "../client/api";
import { prepareFromTemplate, type RunningSystem, startWorker } from "../scripts/system";
import { type EntryResult, HEARTBEAT, type LoginResult, type ServerFrame } from "../protocol";
import { type FakeWechat, startFakeWechat } from "../fake-wechat/server";
import { openLocalD1, selectAll } from "../scripts/local-d1";
import { DEMO_STAFF } from "../scripts/seed";

export const TEST_SECRET = "test-token-secret-0123456789abcdef";
/** The message-push token (WECHAT_PUSH_TOKEN) every test system and its fake WeChat share. */
export const TEST_PUSH_TOKEN = "test-push-token";

export type TestSystem = RunningSystem & {
  host: string;
  wechat: FakeWechat;
  close(): Promise<void>;
};

export async function startTestSystem(opts: { extraSql?: string; vars?: Record<string, string>; port?: number } = {}): Promise<TestSystem> {
  const wechat = await startFakeWechat();
  const persistTo = mkdtempSync(join(tmpdir(), "kefu-test-"));
  let system: RunningSystem;
  try {
    await prepareFromTemplate(persistTo, opts.extraSql);
    system = await startWorker({
      persistTo,
      port: opts.port,
      wechatBaseUrl: wechat.url,
      // WeChat's authorize page is the fake's too; web authorization stays off without WECHAT_OA_APPID/SECRET.
      vars: { TOKEN_SECRET: TEST_SECRET, WECHAT_SECRET: wechat.secret, WECHAT_APPID: wechat.appid, ALLOW_GUEST: "true", WECHAT_PUSH_TOKEN: TEST_PUSH_TOKEN, WECHAT_OAUTH_BASE: wechat.url, ...opts.vars },
    });
    wechat.setPush(`${system.url}/api/wechat/push`, TEST_PUSH_TOKEN);
    wechat.setOauthDomains([new URL(system.url).hostname]);
  } catch (error) {
    await wechat.close();
    throw error;
  }
  return {
    ...system,
    host: `127.0.0.1:${system.port}`,
    wechat,
    async close() {
      await system.stop();
      await wechat.close();
    },
  };
}

/**
 * Starts a fresh system before the file's tests (then runs `setup`) and stops it after them.
 * One hook does both because Node 20 runs a file's top-level `before` hooks concurrently.
 */
export function useTestSystem(opts: Parameters<typeof startTestSystem>[0] = {}, setup?: () => Promise<void>): TestSystem {
  const sys = {} as TestSystem;
  before(async () => {
    Object.assign(sys, await startTestSystem(opts));
    await setup?.();
  });
  after(async () => {
    // Sockets a failed test left open would keep reconnecting and hold the process open.
    for (const socket of openSockets) socket.close();
    openSockets.clear();
    await sys.close?.();
  });
  return sys;
}

export type ApiResponse<T = any> = { status: number; body: T; headers: Headers };

export async function api<T = any>(
  sys: { url: string },
  path: string,
  init: { method?: string; token?: string; body?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${sys.url}${path}`, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? "POST" : "GET"),
    headers,
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
  });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

export async function loginCustomer(sys: { url: string }, code = `code-${Math.random().toString(36).slice(2)}`): Promise<LoginResult> {
  const res = await api<LoginResult>(sys, "/api/auth/customer", { body: { code } });
  if (res.status !== 200) throw new Error(`customer login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function loginStaff(sys: { url: string }, code: string, password = "demo123", totp?: string): Promise<LoginResult> {
  const res = await api<LoginResult>(sys, "/api/auth/staff", { body: { code, password, totp } });
  if (res.status !== 200) throw new Error(`staff login failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

export async function enter(sys: { url: string }, token: string, scene?: string): Promise<EntryResult> {
  const res = await api<EntryResult>(sys, "/api/entry", { token, body: scene ? { scene } : {} });
  if (res.status !== 200 && res.status !== 201) throw new Error(`entry failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const openSockets = new Set<{ close(): void }>();

export function chatClient(
  sys: { host: string },
  conversationId: string,
  login: LoginResult,
  events: ConversationEvents = {},
  lastSeq = 0,
): ConversationClient {
  const client = new ConversationClient({
    host: sys.host,
    conversationId,
    ticket: () => fetchSocketTicket(`http://${sys.host}`, login.token),
    self: { party: login.role === "customer" ? "customer" : "staff", id: login.id },
    WebSocket,
    events,
    lastSeq,
  });
  openSockets.add(client);
  return client;
}

/**
 * A socket ticket for a login token, minted here with the test secret (the constructor of a raw
 * socket cannot wait for `POST /api/auth/ticket`); a token that does not verify is passed on as is.
 */
export function socketTicketOf(token: string, secret = TEST_SECRET): string {
  const [payload, signature] = token.split(".");
  const sign = (p: string) => createHmac("sha256", secret).update(p).digest("base64url");
  if (!payload || sign(payload) !== signature) return token;
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
  if (claims.use && claims.use !== "session") return token;
  const ticket = Buffer.from(JSON.stringify({ ...claims, use: "socket", exp: Math.min(claims.exp, Date.now() + 60_000) })).toString("base64url");
  return `${ticket}.${sign(ticket)}`;
}

/** A raw socket to a room (with a login token, sent as a socket ticket), collecting every frame it receives. */
export class RawSocket {
  readonly frames: ServerFrame[] = [];
  readonly ws: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: (() => void)[] = [];

  constructor(sys: { host: string }, path: string, token?: string) {
    const url = `ws://${sys.host}${path}${token ? `?ticket=${encodeURIComponent(socketTicketOf(token))}` : ""}`;
    this.ws = new WebSocket(url);
    openSockets.add(this);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      this.ws.once("error", reject);
    });
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) => this.ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on("message", (data) => {
      const text = data.toString();
      // The staff room's answer to a heartbeat is not a frame.
      if (text === HEARTBEAT.pong) return;
      this.frames.push(JSON.parse(text));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  async waitFor<T extends ServerFrame["type"]>(
    type: T,
    match: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find((f): f is Extract<ServerFrame, { type: T }> => f.type === type && match(f as any));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  close() {
    this.ws.close();
  }

  /**
   * Closes from this side and resolves once the room's answering close frame is in: the room has
   * run its onClose. The TCP close behind it takes seconds locally (wrangler's dev proxy) and is
   * not waited for. `_closeFrameReceived` is ws's own record of that frame (it has no event for it).
   */
  async closeHandshake(): Promise<void> {
    this.ws.close();
    const ws = this.ws as WebSocket & { _closeFrameReceived?: boolean };
    while (!ws._closeFrameReceived && ws.readyState !== ws.CLOSED) await new Promise((r) => setTimeout(r, 5));
    ws.terminate();
    await this.closed;
  }
}

export const conversationPath = (id: string) => `/parties/conversation-room/${id}`;

/** A new customer who entered and sent a first message; their socket stays open. */
export async function startedConversation(sys: TestSystem, text = "你好") {
  const customer = await loginCustomer(sys);
  const entry = await enter(sys, customer.token);
  const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
  await socket.opened;
  socket.send({ type: "send", clientId: `first-${Date.now()}-${Math.random().toString(36).slice(2)}`, content: { kind: "text", text } });
  await socket.waitFor("ack");
  return { customer, entry, socket };
}
export const staffPath = (id: string) => `/parties/staff-room/${id}`;

const testStaffCodes = new Map<string, string>();

/** A test that creates staff tells staffCodeOf their login codes. */
export function knowStaffCode(id: string, code: string) {
  testStaffCodes.set(id, code);
}

/** The login code of a demo (or test-made) staff member shown on a staff card (cards do not show codes to customers). */
export function staffCodeOf(card: { id: string }): string {
  const found = testStaffCodes.get(card.id) ?? DEMO_STAFF.find((s) => s.id === card.id)?.code;
  if (!found) throw new Error(`${card.id} is not a known staff member`);
  return found;
}

export async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 5000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${last}` : ""}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Waits until D1 holds the conversation's messages up to at least `seq` and its row has caught up
 * with them (what the room stored alongside, such as an auto reply, comes in the same copy): rooms
 * ack from their own storage and copy to D1 within about a second.
 */
export async function copiedToD1(sys: { persistTo: string }, conversationId: string, seq: number) {
  await eventually(async () => {
    const db = openLocalD1(sys.persistTo);
    try {
      const [row] = await selectAll<{ n: number; last: number }>(
        db,
        "SELECT (SELECT count(*) FROM messages WHERE conversation_id = ?1) AS n, (SELECT last_seq FROM conversations WHERE id = ?1) AS last",
        [conversationId],
      );
      return row.n === row.last && row.last >= seq;
    } finally {
      db.close();
    }
  }, 10_000, `D1 copy of ${conversationId} up to seq ${seq}`);
}

/** Settings that make every moment working time, so assignment tests do not depend on the clock. */
export const ALWAYS_WORKING = `INSERT INTO settings (key, value, updated_at) VALUES ('workingHours', '{"enabled":false,"start":"09:00","end":"18:00","days":[1,2,3,4,5],"utcOffsetMinutes":480}', 0) ON CONFLICT(key) DO UPDATE SET value = excluded.value;`;

/**
 * Changes settings as an admin and waits until the system answers with them. Settings are cached
 * per isolate; under wrangler dev the Worker and its Durable Objects share one isolate, whose
 * cache the write clears, so what the settings route answers is what the rooms see.
 */
export async function changeSettings(sys: { url: string }, adminToken: string, patch: Record<string, unknown>): Promise<void> {
  const res = await api(sys, "/api/admin/settings", { method: "PUT", token: adminToken, body: patch });
  if (res.status !== 200) throw new Error(`settings change failed: ${res.status} ${JSON.stringify(res.body)}`);
  await eventually(
    async () => {
      const { body } = await api(sys, "/api/admin/settings", { token: adminToken });
      return Object.entries(patch).every(([key, value]) => isDeepStrictEqual(body.settings?.[key], value));
    },
    5000,
    `settings ${JSON.stringify(patch)} in effect`,
  );
}

