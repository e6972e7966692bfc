// Customers (F011): search, profile, tags and notes, staff relation and history.
import { useState } from "preact/hooks";
import * as z from "zod";
import { call, callChecked, query, type Session } from "../api";
import { Alert, Badge, Card, fmtTime, formValues, html, STATUS_NAMES, useAction, useLoad } from "../ui";
import { adminConversationSchema, adminCustomerSchema } from "../../protocol";

const detailSchema = z.object({
  customer: adminCustomerSchema,
  staff: z.array(z.object({ staffId: z.string(), name: z.string().nullable(), code: z.string().nullable(), conversations: z.number(), lastAt: z.number().nullable() })),
  conversations: z.array(adminConversationSchema),
});

function CustomerDetail(props: { id: string; onChanged: () => void }) {
  const detail = useLoad(() => callChecked(`/api/admin/customers/${props.id}`, detailSchema), [props.id]);
  const action = useAction();
  const d = detail.data;
  if (!d) return html`<p class="muted">${detail.error ?? "加载中…"}</p>`;
  const c = d.customer;
  const save = (e: Event) => {
    e.preventDefault();
    const v = formValues(e.currentTarget as HTMLFormElement);
    const tags = v.tags.split(/[,，\s]+/).map((t) => t.trim()).filter(Boolean);
    action.run(
      () => call(`/api/customers/${c.id}`, { method: "PATCH", body: { tags, note: v.note || null, phone: v.phone || null } }).then(() => (detail.reload(), props.onChanged())),
      "已保存",
    );
  };
  return html`<div class="customer">
    <div class="profile">
      ${c.avatar ? html`<img class="avatar" src=${c.avatar} alt="" />` : html`<span class="avatar">${(c.nickname ?? "顾")[0]}</span>`}
      <div><h3>${c.nickname ?? "—"}</h3><p class="muted">ID ${c.id} · 注册于 ${fmtTime(c.createdAt)} · 最近活跃 ${fmtTime(c.lastActiveAt)}</p>
      <p>专属客服：${c.exclusiveStaffName ?? "无"}</p></div>
    </div>
    <form class="form" onSubmit=${save}>
      <div class="two">
        <label>电话<input name="phone" defaultValue=${c.phone ?? ""} /></label>
        <label>标签（逗号分隔）<input name="tags" defaultValue=${c.tags.join("，")} /></label>
      </div>
      <label>备注<textarea name="note" rows="2">${c.note ?? ""}</textarea></label>
      <${Alert} error=${action.error} ok=${action.ok} />
      <button class="primary" type="submit">保存资料</button>
    </form>
    <h4>服务过的客服</h4>
    <table class="table compact"><thead><tr><th>客服</th><th>会话数</th><th>最近会话</th></tr></thead><tbody>
      ${d.staff.map((s) => html`<tr><td>${s.name ?? s.staffId}${s.staffId === c.exclusiveStaffId ? html` <${Badge} kind="info">专属<//>` : null}</td><td>${s.conversations}</td><td>${fmtTime(s.lastAt)}</td></tr>`)}
    </tbody></table>
    <h4>历史会话</h4>
    <table class="table compact"><thead><tr><th>开始时间</th><th>客服</th><th>状态</th><th>最后消息</th></tr></thead><tbody>
      ${d.conversations.map(
        (v) => html`<tr><td><a href=${`#/conversations/${v.id}`}>${fmtTime(v.startedAt)}</a></td><td>${v.staffName}</td><td>${STATUS_NAMES[v.status]}</td><td class="ellipsis">${v.lastMessagePreview}</td></tr>`,
      )}
    </tbody></table>
  </div>`;
}

export function CustomersPage(props: { session: Session; param?: string }) {
  const [filter, setFilter] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<string | undefined>(props.param);
  const list = useLoad(() => callChecked(`/api/admin/customers?${query({ ...filter, limit: 100 })}`, z.object({ items: z.array(adminCustomerSchema), total: z.number() })), [JSON.stringify(filter)]);
  const search = (e: Event) => {
    e.preventDefault();
    setFilter(formValues(e.currentTarget as HTMLFormElement));
  };
  return html`<div class="grid split">
    <${Card} title="顾客列表">
      <form class="row filters" onSubmit=${search}>
        <input name="q" placeholder="昵称、电话、备注或 ID" aria-label="搜索顾客" />
        <input name="tag" placeholder="标签" aria-label="按标签筛选" />
        <button type="submit" class="primary">搜索</button>
      </form>
      <p class="muted">共 ${list.data?.total ?? 0} 位顾客</p>
      <table class="table" data-testid="customer-table">
        <thead><tr><th>昵称</th><th>电话</th><th>标签</th><th>会话</th><th>最近活跃</th></tr></thead>
        <tbody>
          ${(list.data?.items ?? []).map(
            (c) => html`<tr class=${`clickable ${selected === c.id ? "selected" : ""}`} onClick=${() => setSelected(c.id)}>
              <td><a href=${`#/customers/${c.id}`} onClick=${(e: Event) => (e.preventDefault(), setSelected(c.id))}>${c.nickname ?? "—"}</a></td><td>${c.phone ?? "—"}</td><td>${c.tags.map((t) => html`<${Badge} kind="tag">${t}<//> `)}</td>
              <td>${c.conversationCount}</td><td>${fmtTime(c.lastActiveAt)}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    <//>
    <${Card} title="顾客资料">${selected ? html`<${CustomerDetail} id=${selected} onChanged=${list.reload} />` : html`<p class="muted">选择一位顾客查看资料</p>`}<//>
  </div>`;
}
