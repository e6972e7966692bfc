// One conversation's transcript with images and voice messages.
import { kefu, useSignedUrl } from "../api";
import { Badge, fmtTime, html, STATUS_NAMES, useLoad } from "../ui";
import { LIMITS, type Message } from "../../protocol";
import { FLAGGED_NOTICE } from "../../client/chat-session";

async function allMessages(id: string): Promise<Message[]> {
  const out: Message[] = [];
  for (let after = 0; ; ) {
    const page = await kefu.messages(id, { after, limit: LIMITS.pageSize });
    out.push(...page.messages);
    if (page.messages.length < LIMITS.pageSize) return out;
    after = page.messages[page.messages.length - 1].seq;
  }
}

function MediaBody(props: { m: Message & { mediaKey: string } }) {
  const m = props.m;
  const url = useSignedUrl(`/api/${m.mediaKey}`);
  if (!url) return html`<small class="muted">加载中…</small>`;
  if (m.kind === "image") return html`<a href=${url} target="_blank"><img class="media" src=${url} alt="图片" /></a>`;
  return html`<audio controls src=${url}></audio><small> ${Math.round((m.durationMs ?? 0) / 1000)}″</small>`;
}

export function MessageBody(props: { m: Message }) {
  const m = props.m;
  if ((m.kind === "image" || m.kind === "voice") && m.mediaKey) return html`<${MediaBody} m=${m} />`;
  return html`<span>${m.text}</span>`;
}

type Detail = { conversation: { id: string; customerName: string | null; status: keyof typeof STATUS_NAMES }; staff: { name: string } };

export function Transcript(props: { id: string; names?: Record<string, string> }) {
  const data = useLoad(async () => {
    const [detail, messages] = await Promise.all([kefu.conversation(props.id), allMessages(props.id)]);
    return { detail, messages };
  }, [props.id]);
  if (!data.data) return html`<p class="muted">${data.error ?? "加载中…"}</p>`;
  const { detail, messages } = data.data;
  return html`<div class="transcript" data-testid="transcript">
    <p class="meta">顾客 <b>${detail.conversation.customerName ?? "—"}</b> · 客服 <b>${detail.staff.name}</b> · <${Badge} kind=${detail.conversation.status}>${STATUS_NAMES[detail.conversation.status]}<//></p>
    ${messages.map(
      (m) =>
        m.sender === "system"
          ? html`<div class="msg system">${m.text} · ${fmtTime(m.sentAt)}</div>`
          : html`<div class=${`msg ${m.sender}`}>
              <div class="who">${m.sender === "customer" ? detail.conversation.customerName ?? "顾客" : props.names?.[m.senderId] ?? detail.staff.name} · ${fmtTime(m.sentAt)}</div>
              <div class="bubble"><${MessageBody} m=${m} /></div>
              ${m.flagged && m.sender === "customer" ? html`<small class="flag">${FLAGGED_NOTICE}</small>` : null}
            </div>`,
    )}
  </div>`;
}
