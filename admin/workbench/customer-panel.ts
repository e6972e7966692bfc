// The customer beside the chat: profile, tags and note (editable), earlier conversations.
import { useState } from "preact/hooks";
import { kefu } from "../api";
import { Alert, fmtTime, formValues, html, STATUS_NAMES, useAction, useLoad } from "../ui";

/** A one-time H5 entry link for this customer, to send them outside WeChat (README "Go live on WeChat"). */
function EntryLink(props: { customerId: string }) {
  const action = useAction();
  const [url, setUrl] = useState<string | null>(null);
  const create = () => void action.run(() => kefu.createH5Link(props.customerId).then((link) => setUrl(link.url)));
  return html`<div class="wb-entry-link">
    <button type="button" onClick=${create} disabled=${action.busy}>生成 H5 专属链接</button>
    ${url
      ? html`<label>专属链接（15 分钟内有效，仅可使用一次）<input readonly value=${url} onFocus=${(e: Event) => (e.currentTarget as HTMLInputElement).select()} /></label>`
      : null}
    <${Alert} error=${action.error} />
  </div>`;
}

/** The customer of the open conversation (`conversationId`): profile, entry link and their earlier conversations. */
export function CustomerPanel(props: { customerId: string; conversationId: string }) {
  const detail = useLoad(() => kefu.customer(props.customerId), [props.customerId]);
  const action = useAction();
  const d = detail.data;
  if (!d) return html`<aside class="wb-customer" aria-label="顾客资料"><p class="muted">${detail.error ?? "加载中…"}</p></aside>`;
  const c = d.customer;
  const earlier = d.conversations.filter((v) => v.id !== props.conversationId);
  const save = (e: Event) => {
    e.preventDefault();
    const v = formValues(e.currentTarget as HTMLFormElement);
    const tags = v.tags.split(/[,，\s]+/).map((t) => t.trim()).filter(Boolean);
    void action.run(() => kefu.updateCustomer(c.id, { tags, note: v.note || null, phone: v.phone || null }).then(detail.reload), "已保存");
  };
  return html`<aside class="wb-customer" aria-label="顾客资料" data-testid="customer-panel">
    <h2>${c.nickname ?? `顾客 ${c.id.slice(-4)}`}</h2>
    <p class="muted small">注册于 ${fmtTime(c.createdAt)}<br />最近活跃 ${fmtTime(c.lastActiveAt)}</p>
    <form class="form" onSubmit=${save} key=${c.id}>
      <label>电话<input name="phone" defaultValue=${c.phone ?? ""} /></label>
      <label>标签（逗号分隔）<input name="tags" defaultValue=${c.tags.join("，")} /></label>
      <label>备注<textarea name="note" rows="3" defaultValue=${c.note ?? ""}></textarea></label>
      <${Alert} error=${action.error} ok=${action.ok} />
      <button type="submit" disabled=${action.busy}>保存资料</button>
    </form>
    <${EntryLink} customerId=${c.id} key=${c.id} />
    <h3>历史会话（${earlier.length}）</h3>
    ${earlier.length === 0 ? html`<p class="muted small">没有更早的会话</p>` : null}
    <ul class="wb-history">
      ${earlier.map((v) => html`<li><a href=${`#/workbench/${v.id}`}>${fmtTime(v.lastMessageAt ?? v.createdAt)}</a> <span class=${`badge ${v.status}`}>${STATUS_NAMES[v.status]}</span><br /><small class="muted">${v.lastMessagePreview ?? ""}</small></li>`)}
    </ul>
  </aside>`;
}
