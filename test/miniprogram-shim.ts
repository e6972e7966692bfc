// Runs the compiled mini program in Node: miniprogram-simulate renders pages and components with
// WeChat's own WXML compiler (wcc) into jsdom, and a `wx` shim whose network calls
// (wx.request, wx.uploadFile, wx.connectSocket) go to a real `wrangler dev`.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { JSDOM } from "jsdom";
import { PNG } from "pngjs";
import WebSocket from "ws";
import { buildMiniprogram, miniprogramDir } from "../scripts/build-miniprogram";
import { eventually } from "./harness";

const require = createRequire(import.meta.url);

type Callbacks<T> = { success?: (res: T) => void; fail?: (err: { errMsg: string }) => void; complete?: () => void };

function settle<T>(opts: Callbacks<T>, work: Promise<T>): void {
  work.then(
    (res) => {
      opts.success?.(res);
      opts.complete?.();
    },
    (error: unknown) => {
      opts.fail?.({ errMsg: error instanceof Error ? error.message : String(error) });
      opts.complete?.();
    },
  );
}

/** A SocketTask over a real WebSocket, with knobs to break the network the way phones do. */
class ShimSocketTask {
  readonly ws: WebSocket;
  private readonly held: (string | ArrayBuffer)[] = [];
  private readonly handlers = { open: [] as ((r: unknown) => void)[], close: [] as ((r: { code: number; reason: string }) => void)[], error: [] as ((r: { errMsg: string }) => void)[], message: [] as ((r: { data: string }) => void)[] };

  constructor(
    readonly url: string,
    private readonly network: Network,
  ) {
    this.ws = new WebSocket(url);
    this.ws.on("open", () => this.handlers.open.forEach((h) => h({})));
    this.ws.on("message", (data) => {
      const text = data.toString();
      if (network.dropIncoming?.(text)) return;
      this.handlers.message.forEach((h) => h({ data: text }));
    });
    this.ws.on("error", (e) => this.handlers.error.forEach((h) => h({ errMsg: `connectSocket:fail ${e.message}` })));
    this.ws.on("close", (code, reason) => this.handlers.close.forEach((h) => h({ code, reason: reason.toString() })));
  }

  onOpen(cb: (r: unknown) => void) {
    this.handlers.open.push(cb);
  }
  onClose(cb: (r: { code: number; reason: string }) => void) {
    this.handlers.close.push(cb);
  }
  onError(cb: (r: { errMsg: string }) => void) {
    this.handlers.error.push(cb);
  }
  onMessage(cb: (r: { data: string }) => void) {
    this.handlers.message.push(cb);
  }
  send(opts: { data: string | ArrayBuffer; success?: (res: unknown) => void }) {
    if (this.network.holdSends) this.held.push(opts.data);
    else this.ws.send(opts.data);
    opts.success?.({});
  }
  /** Sends what was held while the network was "slow". */
  flush() {
    for (const data of this.held.splice(0)) if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
  }
  close(opts: { code?: number; reason?: string } = {}) {
    this.ws.close(opts.code ?? 1000, opts.reason);
  }
  /** Drops the TCP connection without a close handshake (a phone losing signal). */
  drop() {
    this.ws.terminate();
  }
}

/** What wx.request accepts (its documented `method` values: no PATCH). */
export const WX_REQUEST_METHODS = ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "TRACE", "CONNECT"] as const;
const WX_REQUEST_OPTIONS = new Set(["url", "data", "header", "timeout", "method", "dataType", "responseType", "enableHttp2", "enableQuic", "enableCache", "enableHttpDNS", "httpDNSServiceId", "enableChunked", "forceCellularNetwork", "redirect", "success", "fail", "complete"]);
const MAX_SOCKETS = 5;

type RequestOptions = {
  url: string;
  method?: string;
  header?: Record<string, string>;
  data?: unknown;
  dataType?: string;
  responseType?: string;
} & Callbacks<{ statusCode: number; data: unknown; header: Record<string, string> }>;

/** Why WeChat would refuse (or silently mangle) this wx.request call, or null. */
function refusedRequest(opts: RequestOptions): string | null {
  const unknown = Object.keys(opts).filter((k) => !WX_REQUEST_OPTIONS.has(k));
  // Unknown options (e.g. `headers` for `header`) are ignored on a phone: the call would go out without them.
  if (unknown.length) return `unknown option ${unknown.join(", ")} (wx.request ignores it)`;
  const method = opts.method ?? "GET";
  if (!(WX_REQUEST_METHODS as readonly string[]).includes(method)) return `parameter error: method should be one of ${WX_REQUEST_METHODS.join(", ")}, got ${method}`;
  if (opts.responseType !== undefined && opts.responseType !== "text" && opts.responseType !== "arraybuffer") return `parameter error: responseType should be text or arraybuffer`;
  if (opts.header && Object.keys(opts.header).some((k) => k.toLowerCase() === "referer")) return "parameter error: header cannot set Referer";
  if (!/^https?:\/\//.test(opts.url)) return "invalid url";
  return null;
}

/** GET data becomes the query string, as wx.request does. */
function withQuery(url: string, data: Record<string, unknown>): string {
  const q = Object.entries(data).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return q.length ? `${url}${url.includes("?") ? "&" : "?"}${q.join("&")}` : url;
}

/** True while a tap handler runs (set around miniprogram-exparser's dispatch of "tap" events). */
const gesture = { tapping: false, agreeingPrivacy: false };

export type Network = {
  /** Queue outgoing socket frames instead of sending them (see `release`). */
  holdSends: boolean;
  /** Fail every new wx.connectSocket (offline). */
  refuse: boolean;
  /** Return true to swallow an incoming frame (a frame lost with the connection). */
  dropIncoming?: (frame: string) => boolean;
};

export type WxShim = ReturnType<typeof createWx>;
type Navigation = { url: string; success?: (r: { errMsg: string }) => void; fail?: (e: { errMsg: string }) => void };

export function createWx(options: { loginCode?: string } = {}) {
  const storage = new Map<string, unknown>();
  const network: Network = { holdSends: false, refuse: false };
  const sockets: ShimSocketTask[] = [];
  const connectAttempts: number[] = [];
  const files = mkdtempSync(join(tmpdir(), "kefu-wx-"));
  const record = {
    toasts: [] as string[],
    navigations: [] as { kind: string; url: string }[],
    /** Navigations WeChat would refuse: the page is not in app.json. */
    navigationFailures: [] as string[],
    titles: [] as string[],
    subscribeRequests: [] as string[][],
    previews: [] as string[],
    played: [] as string[],
    requests: [] as { method: string; url: string }[],
    refusedSubscribeRequests: 0,
    refusedSockets: 0,
    privacyPrompts: [] as string[],
    modals: [] as string[],
    openSettings: 0,
    recordings: 0,
    pickers: 0,
    /** wx.request / wx.uploadFile calls not yet answered. */
    pending: 0,
  };
  /** As WeChat: only a page registered in app.json can be opened; anything else fails (`page "…" is not found`). */
  const pages = new Set<string>(JSON.parse(readFileSync(join(miniprogramDir, "app.json"), "utf8")).pages);
  const navigate = (kind: string, opts: Navigation) => {
    const page = opts.url.split("?")[0].replace(/^\//, "");
    if (!pages.has(page)) {
      record.navigationFailures.push(opts.url);
      opts.fail?.({ errMsg: `${kind}:fail page "${page}" is not found` });
      return;
    }
    record.navigations.push({ kind, url: opts.url });
    opts.success?.({ errMsg: `${kind}:ok` });
  };
  /** Counts the call as pending until its callbacks have run. */
  const tracked = <T,>(work: Promise<T>): Promise<T> => {
    record.pending++;
    return work.finally(() => record.pending--);
  };
  /** The privacy guide's declared scopes (miniprogram/privacy.json), the user's consent, and permissions. */
  const privacy = {
    declared: declaredPrivacyScopes(),
    agreed: true,
    listener: null as null | ((resolve: (r: { event: string; buttonId?: string }) => void, info: { referrer: string }) => void),
  };
  const authSetting: Record<string, boolean> = {};
  const permissions = {
    /** What the user answers when WeChat asks for the microphone the first time. */
    record: "allow" as "allow" | "deny",
    /** What the user sets on the settings page (wx.openSetting). */
    recordInSettings: true,
    /** The user's answer to the subscribe popup. */
    subscribe: "accept" as "accept" | "reject" | "ban",
  };
  /** Runs `go` once the privacy guide allows `api` (scopes declared, user agreed), else `fail`. */
  function privacyGate(api: string, scopes: string[], go: () => void, fail: (err: { errMsg: string; errno: number }) => void): void {
    const missing = scopes.filter((s) => !privacy.declared.has(s));
    if (missing.length) return fail({ errMsg: `${api}:fail api scope is not declared in the privacy agreement (${missing.join(", ")})`, errno: 112 });
    if (privacy.agreed) return go();
    const refuse = () => fail({ errMsg: `${api}:fail privacy permission is not authorized`, errno: 104 });
    if (!privacy.listener) return refuse();
    record.privacyPrompts.push(api);
    privacy.listener(
      (r) => {
        if (r.event === "exposureAuthorization") return;
        // WeChat checks that the agree button (open-type="agreePrivacyAuthorization") was tapped.
        if (r.event === "agree" && r.buttonId && gesture.agreeingPrivacy) {
          privacy.agreed = true;
          go();
        } else refuse();
      },
      { referrer: api },
    );
  }
  const imagePath = join(files, "photo.png");
  writeFileSync(imagePath, testPng());
  const voicePath = join(files, "voice.wav");
  writeFileSync(voicePath, testWav(1500));

  const wx = {
    request(opts: RequestOptions) {
      record.requests.push({ method: opts.method ?? "GET", url: opts.url });
      const refused = refusedRequest(opts);
      if (refused) return settle(opts, Promise.reject(new Error(`request:fail ${refused}`)));
      const method = opts.method ?? "GET";
      settle(
        opts,
        tracked((async () => {
          const hasBody = method !== "GET" && method !== "HEAD";
          const url = !hasBody && opts.data && typeof opts.data === "object" ? withQuery(opts.url, opts.data as Record<string, unknown>) : opts.url;
          const res = await fetch(url, {
            method,
            headers: opts.header,
            body: !hasBody ? undefined : typeof opts.data === "string" ? opts.data : JSON.stringify(opts.data ?? {}),
          });
          const text = await res.text();
          // dataType "json" (the default) parses the body when it can; anything else leaves the text.
          let data: unknown = text;
          if ((opts.dataType ?? "json") === "json") {
            try {
              data = JSON.parse(text);
            } catch {
              data = text;
            }
          }
          return { statusCode: res.status, data, header: Object.fromEntries(res.headers) };
        })()),
      );
    },
    uploadFile(opts: { url: string; filePath: string; name: string; formData?: Record<string, string>; header?: Record<string, string> } & Callbacks<{ statusCode: number; data: string }>) {
      record.requests.push({ method: "UPLOAD", url: opts.url });
      settle(
        opts,
        tracked((async () => {
          const form = new FormData();
          for (const [k, v] of Object.entries(opts.formData ?? {})) form.set(k, v);
          form.set(opts.name, new Blob([new Uint8Array(readFileSync(opts.filePath))]), opts.filePath.split("/").pop());
          const res = await fetch(opts.url, { method: "POST", headers: opts.header, body: form });
          return { statusCode: res.status, data: await res.text() };
        })()),
      );
    },
    connectSocket(opts: { url: string; fail?: (e: { errMsg: string }) => void }) {
      connectAttempts.push(Date.now());
      // WeChat runs at most 5 SocketTasks at once; the 6th connectSocket fails.
      const live = sockets.filter((s) => s.ws.readyState === WebSocket.CONNECTING || s.ws.readyState === WebSocket.OPEN);
      if (live.length >= MAX_SOCKETS) {
        record.refusedSockets++;
        const errMsg = `connectSocket:fail exceed max task count (${MAX_SOCKETS})`;
        setTimeout(() => opts.fail?.({ errMsg }), 0);
        // The returned task never opens: an error then a close, as with a refused connection.
        const task = new ShimSocketTask("ws://127.0.0.1:9/refused", network);
        return task;
      }
      // Offline: a socket to a closed port, so WeChat-style error + close events follow.
      const task = new ShimSocketTask(network.refuse ? "ws://127.0.0.1:9/offline" : opts.url, network);
      sockets.push(task);
      return task;
    },
    login(opts: Callbacks<{ code: string; errMsg: string }>) {
      settle(opts, Promise.resolve({ code: options.loginCode ?? `wx-code-${Math.random().toString(36).slice(2)}`, errMsg: "login:ok" }));
    },
    getStorageSync: (key: string) => (storage.has(key) ? storage.get(key) : ""),
    setStorageSync: (key: string, value: unknown) => void storage.set(key, value),
    removeStorageSync: (key: string) => void storage.delete(key),
    showToast: (opts: { title: string }) => void record.toasts.push(opts.title),
    showModal: (opts: { title?: string } & Callbacks<{ confirm: boolean; cancel: boolean }>) => {
      record.modals.push(opts.title ?? "");
      settle(opts, Promise.resolve({ confirm: true, cancel: false }));
    },
    onNeedPrivacyAuthorization(listener: typeof privacy.listener) {
      privacy.listener = listener;
    },
    requirePrivacyAuthorize(opts: Callbacks<{ errMsg: string }>) {
      privacyGate("requirePrivacyAuthorize", [], () => settle(opts, Promise.resolve({ errMsg: "requirePrivacyAuthorize:ok" })), (e) => settle(opts, Promise.reject(new Error(e.errMsg))));
    },
    openPrivacyContract: (opts: Callbacks<unknown>) => settle(opts, Promise.resolve({})),
    getSetting(opts: Callbacks<{ authSetting: Record<string, boolean> }>) {
      settle(opts, Promise.resolve({ authSetting: { ...authSetting } }));
    },
    openSetting(opts: Callbacks<{ authSetting: Record<string, boolean> }>) {
      record.openSettings++;
      if ("scope.record" in authSetting) authSetting["scope.record"] = permissions.recordInSettings;
      settle(opts, Promise.resolve({ authSetting: { ...authSetting } }));
    },
    navigateTo: (opts: Navigation) => navigate("navigateTo", opts),
    redirectTo: (opts: Navigation) => navigate("redirectTo", opts),
    reLaunch: (opts: Navigation) => navigate("reLaunch", opts),
    navigateBack: () => void record.navigations.push({ kind: "navigateBack", url: "" }),
    setNavigationBarTitle: (opts: { title: string }) => void record.titles.push(opts.title),
    pageScrollTo: () => undefined,
    stopPullDownRefresh: () => undefined,
    previewImage: (opts: { current: string }) => void record.previews.push(opts.current),
    chooseMedia(opts: { sourceType?: string[] } & Callbacks<{ tempFiles: { tempFilePath: string; size: number; fileType: string }[] }>) {
      record.pickers++;
      const scopes = opts.sourceType ?? ["album", "camera"];
      privacyGate(
        "chooseMedia",
        scopes,
        () => settle(opts, Promise.resolve({ tempFiles: [{ tempFilePath: imagePath, size: readFileSync(imagePath).length, fileType: "image" }] })),
        (e) => settle(opts, Promise.reject(new Error(e.errMsg))),
      );
    },
    requestSubscribeMessage(opts: { tmplIds: string[] } & Callbacks<Record<string, string>>) {
      // WeChat shows the popup only from a user's tap (synchronously inside its handler).
      if (!gesture.tapping) {
        record.refusedSubscribeRequests++;
        return settle(opts, Promise.reject(new Error("requestSubscribeMessage:fail can only be invoked by user TAP gesture.")));
      }
      record.subscribeRequests.push(opts.tmplIds);
      settle(opts, Promise.resolve({ errMsg: "requestSubscribeMessage:ok", ...Object.fromEntries(opts.tmplIds.map((id) => [id, permissions.subscribe])) }));
    },
    getRecorderManager() {
      let onStop: ((res: { tempFilePath: string; duration: number }) => void) | undefined;
      let onError: ((res: { errMsg: string; errno?: number }) => void) | undefined;
      let startedAt = 0;
      let running = false;
      const error = (e: { errMsg: string; errno?: number }) => setTimeout(() => onError?.(e), 0);
      const begin = () => {
        // The microphone needs scope.record: asked once; after a refusal only the settings page can allow it.
        if (!("scope.record" in authSetting)) authSetting["scope.record"] = permissions.record === "allow";
        if (!authSetting["scope.record"]) return error({ errMsg: "operateRecorder:fail auth deny" });
        running = true;
        record.recordings++;
        startedAt = Date.now();
      };
      return {
        onStop: (cb: typeof onStop) => void (onStop = cb),
        onError: (cb: typeof onError) => void (onError = cb),
        start: () => privacyGate("getRecorderManager", ["microphone"], begin, error),
        // The fake microphone always records 1.5 s.
        stop: () => {
          if (!running) return;
          running = false;
          setTimeout(() => onStop?.({ tempFilePath: voicePath, duration: Math.max(1500, Date.now() - startedAt) }), 0);
        },
      };
    },
    createInnerAudioContext() {
      const ctx = {
        src: "",
        play: () => void record.played.push(ctx.src),
        stop: () => undefined,
        onEnded: () => undefined,
        onStop: () => undefined,
        onError: () => undefined,
      };
      return ctx;
    },
  };

  return {
    wx,
    storage,
    network,
    sockets,
    connectAttempts,
    record,
    privacy,
    authSetting,
    permissions,
    /** Drops every open socket without a close handshake. */
    dropSockets() {
      for (const s of sockets) if (s.ws.readyState === WebSocket.OPEN || s.ws.readyState === WebSocket.CONNECTING) s.drop();
    },
    /** Ends "slow network": held frames go out. */
    release() {
      network.holdSends = false;
      for (const s of sockets) s.flush();
    },
    openSockets() {
      return sockets.filter((s) => s.ws.readyState === WebSocket.OPEN);
    },
  };
}

/** Scopes the mini program's privacy guide declares (miniprogram/privacy.json); none without it. */
function declaredPrivacyScopes(): Set<string> {
  const file = join(miniprogramDir, "privacy.json");
  if (!existsSync(file)) return new Set();
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { declarations?: { scope: string }[] };
  return new Set((parsed.declarations ?? []).map((d) => d.scope));
}

/** A real PNG the server's sniffer accepts: a green-to-blue gradient with a light band, like a product photo. */
export function testPng(width = 2, height = 2): Buffer {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const band = Math.abs(y - height / 2) < height / 8;
      png.data[i] = band ? 250 : 7 + Math.round((x / width) * 80);
      png.data[i + 1] = band ? 250 : 193 - Math.round((y / height) * 60);
      png.data[i + 2] = band ? 250 : 96 + Math.round((x / width) * 140);
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

/** A silent 16 kHz mono WAV of the given length. */
export function testWav(ms: number): Buffer {
  const samples = Math.round((16000 * ms) / 1000);
  const data = Buffer.alloc(samples * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVE", 8);
  header.write("fmt ", 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(16000, 24);
  header.writeUInt32LE(32000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

type SimComponent = {
  instance: Record<string, any> & { data: Record<string, any> };
  data: Record<string, any>;
  dom: HTMLElement;
  attach(parent: Element): void;
  detach(): void;
  querySelector(selector: string): SimComponent | null;
  querySelectorAll(selector: string): SimComponent[];
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
  setData(data: Record<string, unknown>): void;
  toJSON(): RenderedNode;
};

/** miniprogram-simulate's rendering of a node: WXML attributes as written (src, mode, …). */
type RenderedNode = { tagName: string; attrs: { name: string; value: unknown }[]; children: (RenderedNode | string)[] };

let simulate: { load(path: string, options: Record<string, unknown>): string; render(id: string): SimComponent } | null = null;

/**
 * Sets up jsdom and the shim as the global `wx`, builds the mini program, and loads
 * miniprogram-simulate. Only j-component's DOM needs jsdom's event classes; Node's own
 * EventTarget, Event and MessageEvent stay, so partysocket works as on a phone.
 */
export async function setupMiniprogram(shim: WxShim, apiBase: string) {
  await buildMiniprogram();
  const dom = new JSDOM("<!doctype html><html><body></body></html>", { pretendToBeVisual: true });
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  g.CustomEvent = dom.window.CustomEvent;
  g.wx = shim.wx;
  g.getApp = () => ({ globalData: {} });
  g.getCurrentPages = () => [];
  shim.storage.set("kefu:apiBase", apiBase);
  simulate ??= require("miniprogram-simulate");
  markTaps();
}

let tapsMarked = false;
/** Wraps exparser's event dispatch so the shim knows when code runs inside a user's tap. */
function markTaps(): void {
  if (tapsMarked) return;
  tapsMarked = true;
  const exparser = require(require.resolve("miniprogram-exparser", { paths: [dirname(require.resolve("j-component"))] })) as {
    Event: { dispatchEvent(target: unknown, event: { type: string }): void };
  };
  const dispatch = exparser.Event.dispatchEvent.bind(exparser.Event);
  exparser.Event.dispatchEvent = (target, event) => {
    const outer = { ...gesture };
    if (event.type === "tap") gesture.tapping = true;
    // <button open-type="agreePrivacyAuthorization"> fires this when the user taps it.
    if (event.type === "agreeprivacyauthorization") gesture.agreeingPrivacy = true;
    try {
      dispatch(target, event);
    } finally {
      Object.assign(gesture, outer);
    }
  };
}

/** Runs fn as if inside a tap handler (for handlers a test calls directly instead of tapping). */
export function duringTap<T>(fn: () => T): T {
  const outer = gesture.tapping;
  gesture.tapping = true;
  try {
    return fn();
  } finally {
    gesture.tapping = outer;
  }
}

/** Renders a page (or component) by its path under miniprogram/, e.g. "pages/entry/entry". */
export function renderPage(path: string): SimComponent {
  if (!simulate) throw new Error("call setupMiniprogram first");
  const id = simulate.load(join(miniprogramDir, path), { rootPath: miniprogramDir, compiler: "official" });
  const page = simulate.render(id);
  page.attach(document.body);
  return page;
}

/** Unloads a page as WeChat does when it is left (its sockets close), then removes it. */
export function closePage(page: SimComponent): void {
  page.instance.onUnload?.();
  page.detach();
}

/** Elements with a class (as written in the WXML) anywhere in the page, inside child components too. */
export function find(root: SimComponent, className: string): Element[] {
  return [...root.dom.querySelectorAll("*")].filter((e) => [...e.classList].some((c) => c === className || c.endsWith(`--${className}`)));
}

/** Attribute values (e.g. an <image>'s src) of the nodes with a class, from the rendered tree. */
export function attrs(root: SimComponent, className: string, name: string): string[] {
  const found: string[] = [];
  const walk = (node: RenderedNode | string) => {
    if (typeof node === "string") return;
    const cls = String(node.attrs.find((a) => a.name === "class")?.value ?? "").split(/\s+/);
    if (cls.includes(className)) found.push(String(node.attrs.find((a) => a.name === name)?.value ?? ""));
    node.children.forEach(walk);
  };
  walk(root.toJSON());
  return found;
}

export function texts(root: SimComponent, className: string): string[] {
  return find(root, className).map((e) => e.textContent?.trim() ?? "");
}

export async function waitForText(root: SimComponent, className: string, expected: string | RegExp, timeoutMs = 15_000): Promise<string> {
  const match = (t: string) => (typeof expected === "string" ? t === expected : expected.test(t));
  try {
    return (await eventually(() => texts(root, className).find(match), timeoutMs)) ?? "";
  } catch {
    throw new Error(`.${className} did not show ${expected} within ${timeoutMs} ms; it shows ${JSON.stringify(texts(root, className))}`);
  }
}
