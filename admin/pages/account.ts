import { useState } from "preact/hooks";
import * as z from "zod";
import { call, callChecked, type Session } from "../api";
import { Alert, Card, html, useAction, useLoad } from "../ui";
import { adminStaffSchema } from "../../protocol";
import { TotpSetup } from "./totp";

export function AccountPage(_: { session: Session }) {
  const me = useLoad(() => callChecked("/api/admin/account", z.object({ staff: adminStaffSchema })), []);
  const [setting, setSetting] = useState(false);
  const action = useAction();
  const staff = me.data?.staff;
  if (!staff) return html`<p class="muted">${me.error ?? "加载中…"}</p>`;
  const disable = () => action.run(() => call("/api/admin/account/totp", { method: "DELETE" }).then(me.reload), "已关闭动态验证码");
  return html`<${Card} title="两步验证（动态验证码）">
    <p>当前状态：${staff.totpEnabled ? html`<b class="good">已启用</b>` : html`<b class="bad">未启用</b>`}</p>
    <${Alert} error=${action.error} ok=${action.ok} />
    ${setting
      ? html`<${TotpSetup} base="/api/admin/account/totp" label=${staff.code} onDone=${() => (setSetting(false), me.reload())} />`
      : html`<div class="row">
          <button class="primary" onClick=${() => setSetting(true)}>${staff.totpEnabled ? "重新绑定" : "启用动态验证码"}</button>
          ${staff.totpEnabled ? html`<button onClick=${disable}>关闭</button>` : null}
        </div>`}
  <//>`;
}
