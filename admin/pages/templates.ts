// Templates (F013): quick replies, push templates (WeChat template id and field mapping), auto replies.
import { useState } from "preact/hooks";
import * as z from "zod";
import { call, callChecked, type Session } from "../api";
import { Alert, Badge, Card, formValues, html, Modal, useAction, useLoad } from "../ui";
import { type Template, templateSchema } from "../../protocol";

const KINDS = { quick_reply: "快捷回复", push: "推送模板", auto_reply: "自动回复" } as const;
type Kind = keyof typeof KINDS;
const TRIGGERS = { new_conversation: "新会话开始时", off_hours: "非工作时间" } as const;
const PUSH_FIELDS = { sender: "回复人字段", summary: "消息摘要字段", time: "回复时间字段" } as const;

function configOf(kind: Kind, v: Record<string, string>): Record<string, unknown> {
  if (kind === "push") {
    const fields = Object.fromEntries(Object.keys(PUSH_FIELDS).filter((k) => v[k]).map((k) => [k, v[k]]));
    return { templateId: v.templateId, fields };
  }
  if (kind === "auto_reply") return { trigger: v.trigger };
  return {};
}

/** A template's settings in words (never its raw JSON). */
function configText(t: Template): string {
  const c = t.config as { templateId?: string; fields?: Record<string, string>; trigger?: keyof typeof TRIGGERS };
  if (t.kind === "auto_reply") return c.trigger ? `触发：${TRIGGERS[c.trigger] ?? c.trigger}` : "—";
  if (t.kind === "push") {
    const fields = Object.entries(PUSH_FIELDS)
      .filter(([k]) => c.fields?.[k])
      .map(([k, label]) => `${label.replace("字段", "")} → ${c.fields![k]}`);
    return [`微信模板 ${c.templateId ?? "—"}`, ...fields].join("；");
  }
  return "—";
}

function TemplateForm(props: { kind: Kind; template: Template | null; onSaved: () => void }) {
  const action = useAction();
  const t = props.template;
  const config = (t?.config ?? {}) as { templateId?: string; fields?: Record<string, string>; trigger?: string };
  const submit = (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const v = formValues(form);
    const body = {
      kind: props.kind,
      title: v.title,
      content: v.content,
      sort: Number(v.sort || 0),
      enabled: (form.elements.namedItem("enabled") as HTMLInputElement).checked,
      config: configOf(props.kind, v),
    };
    action.run(() => (t ? call(`/api/admin/templates/${t.id}`, { method: "PUT", body }) : call("/api/admin/templates", { body })).then(props.onSaved));
  };
  return html`<form class="form" onSubmit=${submit}>
    <div class="two"><label>标题<input name="title" defaultValue=${t?.title} required /></label><label>排序<input name="sort" type="number" defaultValue=${t?.sort ?? 0} /></label></div>
    <label>内容<textarea name="content" rows="3" required>${t?.content ?? ""}</textarea></label>
    ${props.kind === "push"
      ? html`<label>微信模板 ID<input name="templateId" defaultValue=${config.templateId ?? ""} required /></label>
          <div class="three">${Object.entries(PUSH_FIELDS).map(([k, label]) => html`<label>${label}<input name=${k} defaultValue=${config.fields?.[k] ?? ""} placeholder="如 thing1" /></label>`)}</div>`
      : null}
    ${props.kind === "auto_reply"
      ? html`<label>触发条件<select name="trigger">${Object.entries(TRIGGERS).map(([k, n]) => html`<option value=${k} defaultSelected=${k === (config.trigger ?? "new_conversation")}>${n}</option>`)}</select></label>`
      : null}
    <label class="check"><input type="checkbox" name="enabled" defaultChecked=${t?.enabled ?? true} />启用</label>
    <${Alert} error=${action.error} />
    <button class="primary" type="submit" disabled=${action.busy}>保存</button>
  </form>`;
}

export function TemplatesPage(props: { session: Session }) {
  const admin = props.session.role === "admin";
  const [kind, setKind] = useState<Kind>("quick_reply");
  const [editing, setEditing] = useState<{ template: Template | null } | null>(null);
  const list = useLoad(() => callChecked(`/api/admin/templates?kind=${kind}`, z.object({ templates: z.array(templateSchema) })), [kind]);
  const action = useAction();
  const remove = (t: Template) => confirm(`删除“${t.title}”？`) && action.run(() => call(`/api/admin/templates/${t.id}`, { method: "DELETE" }).then(list.reload));
  return html`<${Card}
    title="模板管理"
    actions=${admin ? html`<button class="primary" onClick=${() => setEditing({ template: null })}>新建${KINDS[kind]}</button>` : null}
  >
    <div class="tabs">${Object.entries(KINDS).map(([k, n]) => html`<button class=${k === kind ? "tab active" : "tab"} onClick=${() => setKind(k as Kind)}>${n}</button>`)}</div>
    <${Alert} error=${action.error ?? list.error} />
    <table class="table">
      <thead><tr><th>标题</th><th>内容</th><th>配置</th><th>状态</th>${admin ? html`<th>操作</th>` : null}</tr></thead>
      <tbody>
        ${(list.data?.templates ?? []).map(
          (t) => html`<tr>
            <td>${t.title}</td><td class="ellipsis">${t.content}</td>
            <td>${configText(t)}</td>
            <td>${t.enabled ? html`<${Badge} kind="online">启用<//>` : html`<${Badge} kind="offline">停用<//>`}</td>
            ${admin ? html`<td class="actions"><button class="link" onClick=${() => setEditing({ template: t })}>编辑</button><button class="link danger" onClick=${() => remove(t)}>删除</button></td>` : null}
          </tr>`,
        )}
      </tbody>
    </table>
    ${editing
      ? html`<${Modal} title=${`${editing.template ? "编辑" : "新建"}${KINDS[kind]}`} onClose=${() => setEditing(null)}>
          <${TemplateForm} kind=${kind} template=${editing.template} onSaved=${() => (setEditing(null), list.reload())} />
        <//>`
      : null}
  <//>`;
}
