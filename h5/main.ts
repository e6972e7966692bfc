// The H5 customer chat (/h5/): the same protocol and client library as the mini program.
// Sign-in, first that applies: a one-time entry link from a staff member (`?link=`); the code and
// state WeChat's web authorization sent back (`?code=&state=`); the saved session; inside WeChat's
// browser, a redirect to web authorization; else the guest flow (POST /api/auth/guest), a dev/test
// entry the server allows only with ALLOW_GUEST=true. `?scene=vip01` works like an exclusive QR code.
import { h, render } from "preact";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import htm from "htm";
import { ApiClient, ApiRequestError, fetchTransport } from "../client/api";
import { Outbox } from "../client/outbox";
import { type Bubble, ChatSession } from "../client/chat-session";
import { randomClientId } from "../client/conversation-client";
import { EMOJIS, PRESENCE_LABELS } from "../client/format";
import { SessionStore, webStorage } from "../client/session-store";
import type { EntryResult, StaffCard } from "../protocol";

const html = htm.bind(h);
const sessions = new SessionStore(webStorage(localStorage), "kefu:h5:customer");
const outbox = new Outbox(webStorage(localStorage), "kefu:h5:outbox:");
const api = new ApiClient<Blob>({ baseUrl: location.origin, transport: fetchTransport, token: () => sessions.token(), onUnauthorized: () => sessions.clear() });

function deviceId(): string {
  const key = "kefu:h5:device";
  let id = localStorage.getItem(key);
  if (!id) {
    id = `h5-${randomClientId()}`;
    localStorage.setItem(key, id);
  }
  return id;
}

const message = (error: unknown) => (error instanceof Error ? error.message : "出错了，请稍后再试");

const OAUTH_STATE_KEY = "kefu:h5:oauth-state";
const GUEST_KEY = "kefu:h5:guest";
const inWechat = () => /MicroMessenger/i.test(navigator.userAgent);

/** Takes sign-in parameters out of the address, so a reload or a shared link does not replay them. */
function takeParams(names: string[]): Record<string, string | null> {
  const url = new URL(location.href);
  const values = Object.fromEntries(names.map((n) => [n, url.searchParams.get(n)]));
  for (const n of names) url.searchParams.delete(n);
  url.hash = ""; // `#wechat_redirect` is WeChat's, not the page's
  history.replaceState(null, "", url);
  return values;
}

function saveSession(login: Parameters<typeof sessions.save>[0], guest: boolean): void {
  sessions.save(login);
  if (guest) localStorage.setItem(GUEST_KEY, "1");
  else localStorage.removeItem(GUEST_KEY);
}

/** Signs in; resolves with the scene to enter with when the sign-in names one (an entry link's staff). */
async function signIn(scene: string | undefined): Promise<string | undefined> {
  const { link, code, state } = takeParams(["link", "code", "state"]);
  if (link) {
    const login = await api.loginH5Link(link);
    saveSession(login, false);
    return login.scene;
  }
  if (code && state) {
    // The state must be the one this browser was sent off with (login CSRF), and the server's own.
    const expected = sessionStorage.getItem(OAUTH_STATE_KEY);
    sessionStorage.removeItem(OAUTH_STATE_KEY);
    if (state !== expected) throw new Error("授权已失效，请重新打开页面");
    saveSession(await api.loginH5Wechat(code, state), false);
    return scene;
  }
  if (sessions.load()) return scene;
  if (inWechat()) {
    const start = await api.startH5Wechat(scene);
    sessionStorage.setItem(OAUTH_STATE_KEY, start.state);
    location.replace(start.url);
    return new Promise<never>(() => {}); // the page is going away
  }
  saveSession(await api.loginGuest(deviceId()), true);
  return scene;
}

function GuestBanner() {
  if (localStorage.getItem(GUEST_KEY) !== "1") return null;
  return html`<div class="guest-banner" role="note">访客模式 · 开发/测试入口（正式环境请在微信中打开或向客服索取专属链接）</div>`;
}

function StaffCardView({ staff: s, exclusive }: { staff: StaffCard; exclusive: boolean }) {
  return html`<div class="staff-card">
    <img class="staff-avatar" src=${api.assetUrl(s.avatar)} alt="" />
    <div class="staff-info">
      <div class="staff-title"><span class="staff-name">${s.name}</span>${exclusive ? html`<span class="staff-tag">专属顾问</span>` : null}</div>
      <div class="staff-specialty">${s.specialty || s.department || "在线客服"}</div>
    </div>
    <div class=${`staff-presence presence-${s.presence}`}>${PRESENCE_LABELS[s.presence]}</div>
  </div>`;
}

function BubbleView({ b, session, staffAvatar }: { b: Bubble; session: ChatSession<Blob>; staffAvatar: string }) {
  if (b.system) return html`<div class="system">${b.text}</div>`;
  const content =
    b.kind === "image"
      ? html`<a href=${b.imageUrl} target="_blank" rel="noopener"><img class="image" src=${b.imageUrl} alt="图片" /></a>`
      : b.kind === "voice"
        ? html`<audio class="voice" controls preload="none" src=${b.voiceUrl}></audio><span class="voice-len">${b.duration}</span>`
        : b.kind === "emoji"
          ? html`<span class="emoji">${b.text}</span>`
          : html`<span class="text">${b.text}</span>`;
  return html`<div class=${`row ${b.mine ? "mine" : "theirs"}`} data-key=${b.key}>
    ${b.mine ? null : html`<img class="avatar" src=${staffAvatar} alt="" />`}
    <div class="body">
      <div class=${`bubble kind-${b.kind} state-${b.state}`} onClick=${() => b.state === "failed" && session.retry(b.key)}>${content}</div>
      ${b.mine
        ? html`<div class="status">
            ${b.state === "sending"
              ? html`<span class="sending">发送中…</span>`
              : b.state === "failed"
                ? html`<button class="failed" onClick=${() => session.retry(b.key)}>发送失败，点击重发</button>`
                : html`<span class=${`receipt ${b.receipt === "已读" ? "read" : ""}`}>${b.receipt}</span>`}
          </div>`
        : null}
    </div>
  </div>`;
}

function Rating({ conversationId }: { conversationId: string }) {
  const [score, setScore] = useState(0);
  const [comment, setComment] = useState("");
  const [done, setDone] = useState(false);
  const [error, setError] = useState("");
  if (done) return html`<div class="rated">感谢您的评价！</div>`;
  const submit = async () => {
    try {
      await api.rate(conversationId, score, comment);
      setDone(true);
    } catch (e) {
      if (e instanceof ApiRequestError && e.code === "conflict") setDone(true);
      else setError(message(e));
    }
  };
  return html`<div class="rating">
    <div class="rating-title">会话已结束，请为本次服务评分</div>
    <div class="stars">${[1, 2, 3, 4, 5].map((n) => html`<button class=${`star ${n <= score ? "on" : ""}`} aria-label=${`${n} 星`} onClick=${() => setScore(n)}>★</button>`)}</div>
    <textarea class="comment" placeholder="说说您的感受（选填）" maxlength="500" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLTextAreaElement).value)}></textarea>
    ${error ? html`<div class="error">${error}</div>` : null}
    <button class="primary submit" disabled=${score === 0} onClick=${submit}>提交评价</button>
  </div>`;
}

function Composer({ session, disabled }: { session: ChatSession<Blob>; disabled: boolean }) {
  const [text, setText] = useState("");
  const [emoji, setEmoji] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const send = () => {
    if (session.sendText(text)) setText("");
  };
  const pick = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) void session.sendMedia({ kind: "image", file, fileName: file.name || "image.png", localUrl: URL.createObjectURL(file) });
  };
  return html`<div class="composer">
    <div class="bar">
      <input
        class="input"
        placeholder=${disabled ? "会话已结束" : "输入消息…"}
        value=${text}
        disabled=${disabled}
        maxlength="2000"
        enterkeyhint="send"
        onInput=${(e: Event) => {
          setText((e.target as HTMLInputElement).value);
          session.typing();
        }}
        onKeyDown=${(e: KeyboardEvent) => e.key === "Enter" && !e.isComposing && send()}
      />
      <button class="icon emoji-btn" aria-label="表情" disabled=${disabled} onClick=${() => setEmoji(!emoji)}>😊</button>
      <button class="icon image-btn" aria-label="发送图片" disabled=${disabled} onClick=${() => fileInput.current?.click()}>🖼️</button>
      <input ref=${fileInput} class="file-input" type="file" accept="image/*" hidden onChange=${pick} />
      <button class="primary send-btn" disabled=${disabled || !text.trim()} onClick=${send}>发送</button>
    </div>
    ${emoji
      ? html`<div class="emoji-panel">${EMOJIS.map(
          (e) => html`<button class="emoji-cell" onClick=${() => session.sendEmoji(e)}>${e}</button>`,
        )}</div>`
      : null}
  </div>`;
}

function Chat({ entry, exclusive, onRestart }: { entry: EntryResult; exclusive: boolean; onRestart: () => void }) {
  const [, setTick] = useState(0);
  const [error, setError] = useState("");
  const listEnd = useRef<HTMLDivElement>(null);
  const session = useMemo(
    () =>
      new ChatSession<Blob>({
        api,
        conversationId: entry.conversationId,
        self: { party: "customer", id: sessions.load()?.id ?? "" },
        token: () => sessions.token() ?? "",
        outbox,
        onChange: () => setTick((t) => t + 1),
      }),
    [entry.conversationId],
  );
  useEffect(() => {
    session.start().catch((e) => setError(message(e)));
    const visibility = () => session.setVisible(document.visibilityState === "visible");
    document.addEventListener("visibilitychange", visibility);
    return () => {
      document.removeEventListener("visibilitychange", visibility);
      session.close();
    };
  }, [session]);
  const bubbles = session.bubbles();
  useEffect(() => listEnd.current?.scrollIntoView({ block: "end" }), [bubbles.length]);
  const ended = session.status === "ended";
  // The session's copy follows presence changes and handovers; the entry's until it has loaded.
  const staff = session.detail?.staff ?? entry.staff;
  const staffAvatar = api.assetUrl(staff.avatar);
  return html`<div class="chat">
    <header class="nav">${staff.name}</header>
    <${GuestBanner} />
    <${StaffCardView} staff=${staff} exclusive=${exclusive} />
    ${session.client && !session.connected && !ended ? html`<div class="banner">网络连接中断，正在重连…</div>` : null}
    <main class="messages">
      ${session.hasOlder ? html`<button class="older" onClick=${() => session.loadOlder().catch((e) => setError(message(e)))}>加载更早的消息</button>` : null}
      ${error ? html`<div class="error">${error}</div>` : null}
      ${bubbles.map((b) => html`${b.time ? html`<div class="time">${b.time}</div>` : null}<${BubbleView} key=${b.key} b=${b} session=${session} staffAvatar=${staffAvatar} />`)}
      ${session.peerTyping ? html`<div class="typing">对方正在输入…</div>` : null}
      <div ref=${listEnd}></div>
    </main>
    ${ended
      ? // In place of the composer, so the stars are on screen without scrolling.
        html`<footer class="ended-panel"><${Rating} conversationId=${entry.conversationId} /><button class="restart" onClick=${onRestart}>重新咨询</button></footer>`
      : html`<${Composer} session=${session} disabled=${!session.client} />`}
  </div>`;
}

function App() {
  const [scene, setScene] = useState(new URLSearchParams(location.search).get("scene") ?? undefined);
  const [entry, setEntry] = useState<EntryResult | null>(null);
  const [error, setError] = useState("");
  const start = async (withScene: string | undefined) => {
    setError("");
    setEntry(null);
    try {
      const entryScene = await signIn(withScene);
      setScene(entryScene);
      setEntry(await api.entry(entryScene));
    } catch (e) {
      const guestRefused = e instanceof ApiRequestError && e.status === 403 && e.code === "forbidden" && !inWechat();
      setError(guestRefused ? "请在微信中打开本页面，或向客服索取专属链接" : message(e));
    }
  };
  useEffect(() => {
    void start(scene);
  }, []);
  if (entry) return html`<${Chat} entry=${entry} exclusive=${!!scene && entry.exclusive} onRestart=${() => start(undefined)} />`;
  return html`<div class="start">
    <header class="nav">在线客服</header>
    <${GuestBanner} />
    ${error
      ? html`<div class="error">${error}</div><button class="primary retry" onClick=${() => start(scene)}>重试</button>`
      : html`<div class="loading">正在为您连接客服…</div>`}
  </div>`;
}

render(html`<${App} />`, document.getElementById("app")!);
