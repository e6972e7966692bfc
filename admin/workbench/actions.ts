// What can be done to the open conversation: transfer it, end it, mark how it went.
import { useEffect, useState } from "preact/hooks";
import type { Colleague, ConversationDetail } from "../../client/api";
import { kefu } from "../api";
import { Alert, html, Modal, ROLE_NAMES, useAction } from "../ui";

export function TransferDialog(props: { conversationId: string; currentStaffId: string; colleagues: Colleague[]; onClose: () => void; onDone: (toName: string) => void }) {
  const action = useAction();
  const choices = props.colleagues.filter((c) => c.id !== props.currentStaffId);
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const to = String(form.get("to") ?? "");
    const reason = String(form.get("reason") ?? "").trim();
    void action.run(async () => {
      const r = await kefu.transfer(props.conversationId, to, reason || undefined);
      props.onDone(r.staff.name);
    });
  };
  return html`<${Modal} title="转接会话" onClose=${props.onClose}>
    <form class="form" onSubmit=${submit}>
      <label>转接给<select name="to" required>
        ${choices.map((c) => html`<option value=${c.id}>${c.name}（${c.code} · ${ROLE_NAMES[c.role]} · ${c.presence === "online" ? "在线" : c.presence === "busy" ? "忙碌" : "离线"}）</option>`)}
      </select></label>
      <label>转接原因（选填）<input name="reason" maxlength="200" /></label>
      <${Alert} error=${action.error} />
      <div class="row"><button type="submit" class="primary" disabled=${action.busy || choices.length === 0}>确认转接</button><button type="button" onClick=${props.onClose}>取消</button></div>
    </form>
  <//>`;
}

export function OutcomeControls(props: { conversationId: string; detail: ConversationDetail }) {
  const [outcome, setOutcome] = useState(props.detail.outcome ?? { resolved: false, converted: false });
  const action = useAction();
  useEffect(() => setOutcome(props.detail.outcome ?? { resolved: false, converted: false }), [props.conversationId]);
  const toggle = (key: "resolved" | "converted", value: boolean) =>
    action.run(async () => setOutcome(await kefu.outcome(props.conversationId, { [key]: value })), value ? "已标记" : "已取消标记");
  return html`<fieldset class="outcome" aria-label="会话结果">
    <label class="check"><input type="checkbox" checked=${outcome.resolved} disabled=${action.busy} onChange=${(e: Event) => toggle("resolved", (e.target as HTMLInputElement).checked)} />已解决</label>
    <label class="check"><input type="checkbox" checked=${outcome.converted} disabled=${action.busy} onChange=${(e: Event) => toggle("converted", (e.target as HTMLInputElement).checked)} />已转化</label>
    ${action.error ? html`<span class="error-text" role="alert">${action.error}</span>` : null}
  </fieldset>`;
}
