// One conversation in the workbench: ChatSession of the shared client library (history over HTTP,
// the live socket, uploads), a composer with quick replies, emoji and images. The assigned staff
// member and any supervisor or admin write as themselves; only the assigned one marks it read.
import { useEffect, useRef, useState } from "preact/hooks";
import { type Bubble, ChatSession } from "../../client/chat-session";
import { EMOJIS } from "../../client/format";
import type { Template } from "../../protocol";
import { kefu, loadSession, type Session } from "../api";
import { html } from "../ui";

const TYPING_EVERY_MS = 3000;

export function useChat(id: string, session: Session) {
  const [, setTick] = useState(0);
  const [chat, setChat] = useState<ChatSession<Blob> | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setChat(null);
    setError(null);
    const s = new ChatSession<Blob>({
      api: kefu,
      conversationId: id,
      self: { party: "staff", id: session.id },
      token: () => loadSession()?.token ?? "",
      onChange: () => {
        s.setVisible(readsHere());
        setTick((t) => t + 1);
      },
    });
    // A supervisor watching must not clear the assigned staff member's unread count.
    const readsHere = () => assignedTo(s) === session.id && document.visibilityState === "visible";
    s.visible = false;
    let live = true;
    s.start().then(
      () => {
        if (!live) return;
        s.setVisible(readsHere());
        setChat(s);
      },
      (e: Error) => live && setError(e.message),
    );
    const onVisibility = () => s.setVisible(readsHere());
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      live = false;
      s.close();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [id, session.id]);
  return { chat, error };
}

/** Who the conversation belongs to now: the live state once the socket sent it. */
export const assignedTo = (s: ChatSession<Blob>) => s.client?.state?.staffId ?? s.detail?.conversation.staffId;

function BubbleBody({ b }: { b: Bubble }) {
  if (b.kind === "image") return html`<a href=${b.imageUrl} target="_blank" rel="noopener"><img class="media" src=${b.imageUrl} alt="图片消息" /></a>`;
  if (b.kind === "voice") return html`<audio controls preload="none" src=${b.voiceUrl}></audio><small> ${b.duration}</small>`;
  if (b.kind === "emoji") return html`<span class="emoji">${b.text}</span>`;
  return html`<span>${b.text}</span>`;
}

export function Messages(props: { chat: ChatSession<Blob>; names: Record<string, string> }) {
  const { chat } = props;
  const box = useRef<HTMLDivElement>(null);
  const bubbles = chat.bubbles();
  const customerName = chat.detail?.conversation.customerName ?? "顾客";
  useEffect(() => {
    const el = box.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [bubbles.length]);
  return html`<div class="wb-messages" ref=${box} data-testid="chat-messages" role="log" aria-live="polite" aria-label="聊天记录">
    ${chat.hasOlder ? html`<button class="link" onClick=${() => chat.loadOlder()}>加载更早的消息</button>` : null}
    ${bubbles.map((b) => {
      if (b.system) return html`<div class="msg system" key=${b.key}>${b.text}</div>`;
      const m = b.seq ? chat.client?.messages.get(b.seq) : undefined;
      const fromStaff = m ? m.sender === "staff" : true;
      const who = m ? (m.sender === "customer" ? customerName : (props.names[m.senderId] ?? "客服")) : "我";
      return html`<div class=${`msg ${fromStaff ? "staff" : "customer"}`} key=${b.key} data-seq=${b.seq}>
        ${b.time ? html`<div class="time">${b.time}</div>` : null}
        <div class="who">${who}</div>
        <div class=${`bubble state-${b.state}`}><${BubbleBody} b=${b} /></div>
        ${b.flag ? html`<small class="flag">${b.flag}</small>` : null}
        ${b.state === "sending" ? html`<small class="muted">发送中…</small>` : null}
        ${b.state === "failed" ? html`<button class="link danger" onClick=${() => chat.retry(b.key)}>发送失败，点击重发${b.error ? `（${b.error}）` : ""}</button>` : null}
        ${b.state === "sent" && fromStaff && b.receipt ? html`<small class="muted">${b.receipt}</small>` : null}
      </div>`;
    })}
    ${chat.peerTyping ? html`<div class="muted small">对方正在输入…</div>` : null}
  </div>`;
}

export function Composer(props: { chat: ChatSession<Blob>; quickReplies: Template[] }) {
  const { chat } = props;
  const [text, setText] = useState("");
  const [emoji, setEmoji] = useState(false);
  const lastTyping = useRef(0);
  const typed = (value: string) => {
    setText(value);
    if (Date.now() - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = Date.now();
      chat.typing();
    }
  };
  const ended = chat.status === "ended";
  const send = () => {
    if (chat.sendText(text)) setText("");
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send();
    }
  };
  const pickImage = (e: Event) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = "";
    if (file) void chat.sendMedia({ kind: "image", file, fileName: file.name, localUrl: URL.createObjectURL(file) });
  };
  if (ended) return html`<div class="wb-composer ended muted">会话已结束</div>`;
  return html`<div class="wb-composer">
    <div class="wb-tools">
      <label class="inline">快捷回复
        <select value="" onChange=${(e: Event) => {
          const t = props.quickReplies.find((q) => q.id === (e.target as HTMLSelectElement).value);
          if (t) setText((v) => (v ? `${v}${t.content}` : t.content));
          (e.target as HTMLSelectElement).value = "";
        }}>
          <option value="">选择…</option>
          ${props.quickReplies.map((q) => html`<option value=${q.id}>${q.title}</option>`)}
        </select>
      </label>
      <button type="button" aria-expanded=${emoji} onClick=${() => setEmoji(!emoji)}>表情</button>
      <label class="button">图片<input type="file" accept="image/*" class="visually-hidden" onChange=${pickImage} /></label>
    </div>
    ${emoji
      ? html`<div class="emoji-panel" role="group" aria-label="表情">
          ${EMOJIS.map((em) => html`<button type="button" class="ghost" aria-label=${`发送表情 ${em}`} onClick=${() => (chat.sendEmoji(em), setEmoji(false))}>${em}</button>`)}
        </div>`
      : null}
    <div class="wb-input">
      <textarea aria-label="回复内容" placeholder="输入回复，Enter 发送，Shift+Enter 换行" rows="3" value=${text}
        onInput=${(e: Event) => typed((e.target as HTMLTextAreaElement).value)} onKeyDown=${onKey}></textarea>
      <button class="primary" onClick=${send} disabled=${!text.trim()}>发送</button>
    </div>
  </div>`;
}
