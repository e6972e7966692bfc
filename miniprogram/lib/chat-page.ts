// What the customer and the staff chat pages share: the ChatSession wired to setData, history
// paging on pull-down, photo and voice sending, resend.
import type { ApiClient } from "../../client/api";
import { type Bubble, ChatSession } from "../../client/chat-session";
import { Outbox } from "../../client/outbox";
import { errorText, toast, WxWebSocket, wxStorage } from "./platform";

type PageLike = { setData(data: Record<string, unknown>): void };

const sessions = new WeakMap<object, ChatSession<string>>();
/** Unsent messages survive a restart of the mini program (wx storage), per conversation. */
const outbox = new Outbox(wxStorage);

/** Pages already left: a load still in flight must not open a socket for them (it would leak). */
const unloaded = new WeakSet<object>();

/** True once the page was unloaded; async page code checks it after every await. */
export function isUnloaded(page: object): boolean {
  return unloaded.has(page);
}

export function sessionOf(page: object): ChatSession<string> | undefined {
  return sessions.get(page);
}

/** The data both chat pages start with (chatData fills it from the session). */
export function initialChatData() {
  return {
    loading: true,
    error: "",
    conversationId: "",
    selfAvatar: "",
    bubbles: [] as Bubble[],
    hasOlder: false,
    peerTyping: false,
    connected: false,
    ended: false,
  };
}

/** What a chat page renders from its session. */
export function chatData(session: ChatSession<string>) {
  return {
    bubbles: session.bubbles(),
    hasOlder: session.hasOlder,
    peerTyping: session.peerTyping,
    ended: session.status === "ended",
    status: session.status,
    connected: session.connected,
  };
}

export async function openChat(
  page: PageLike,
  options: {
    api: ApiClient<string>;
    conversationId: string;
    self: { party: "customer" | "staff"; id: string };
    token: () => string;
    /** More page data from the session, set with each change (the customer's staff card). */
    extraData?: (session: ChatSession<string>) => Record<string, unknown>;
  },
): Promise<ChatSession<string>> {
  if (unloaded.has(page)) throw new PageLeftError();
  sessions.get(page)?.close();
  let lastCount = 0;
  const session: ChatSession<string> = new ChatSession({
    ...options,
    WebSocket: WxWebSocket,
    outbox,
    onChange: () => {
      const data = chatData(session);
      page.setData({ ...data, ...options.extraData?.(session) });
      // Follow the conversation when something new arrives at the bottom.
      if (data.bubbles.length > lastCount) wx.pageScrollTo({ scrollTop: 1e6, duration: 0 });
      lastCount = data.bubbles.length;
    },
  });
  sessions.set(page, session);
  await session.start();
  if (unloaded.has(page)) throw new PageLeftError();
  return session;
}

/** Thrown by openChat when the page was left while it loaded; pages ignore it. */
export class PageLeftError extends Error {
  constructor() {
    super("page left");
  }
}

/** onUnload: closes the session, and any session still starting will not open its socket. */
export function closeChat(page: object): void {
  unloaded.add(page);
  sessions.get(page)?.close();
  sessions.delete(page);
}

/** Pull-down: the page before the oldest shown message. */
export async function loadOlder(page: object): Promise<void> {
  const session = sessions.get(page);
  try {
    if (session && (await session.loadOlder()) === 0) toast("没有更早的消息了");
  } catch (error) {
    toast(errorText(error));
  } finally {
    wx.stopPullDownRefresh();
  }
}

export function choosePhoto(page: object): void {
  const session = sessions.get(page);
  if (!session) return;
  wx.chooseMedia({
    count: 1,
    mediaType: ["image"],
    sourceType: ["album", "camera"],
    sizeType: ["compressed"],
    success: (res) => {
      const file = res.tempFiles[0];
      if (!file) return;
      void session.sendMedia({ kind: "image", file: file.tempFilePath, fileName: fileNameOf(file.tempFilePath, "jpg"), localUrl: file.tempFilePath });
    },
  });
}

export function sendVoice(page: object, path: string, durationMs: number): void {
  void sessions.get(page)?.sendMedia({ kind: "voice", file: path, fileName: fileNameOf(path, "mp3"), localUrl: path, durationMs });
}

function fileNameOf(path: string, fallbackExt: string): string {
  const name = path.split("/").pop() ?? "";
  return /\.[a-z0-9]+$/i.test(name) ? name : `upload.${fallbackExt}`;
}

export type ChatEvent<T extends WechatMiniprogram.IAnyObject> = WechatMiniprogram.CustomEvent<T>;
export type SendDetail = { text: string; tapped: boolean };
export type EmojiDetail = { emoji: string; tapped: boolean };
export type VoiceDetail = { path: string; durationMs: number; tapped: boolean };

/** Handlers both chat pages put in their methods (event wiring from the components). */
export const chatHandlers = {
  onResend(this: object, e: ChatEvent<{ key: string }>) {
    sessions.get(this)?.retry(e.detail.key);
  },
  onTyping(this: object) {
    sessions.get(this)?.typing();
  },
  onVoice(this: object, e: ChatEvent<VoiceDetail>) {
    sendVoice(this, e.detail.path, e.detail.durationMs);
  },
  onPullDownRefresh(this: object) {
    return loadOlder(this);
  },
  onShow(this: object) {
    sessions.get(this)?.setVisible(true);
  },
  onHide(this: object) {
    sessions.get(this)?.setVisible(false);
  },
  onUnload(this: object) {
    closeChat(this);
  },
};
