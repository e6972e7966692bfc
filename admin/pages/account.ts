import { useState } from "preact/hooks";
import * as z from "zod";
import { call, callChecked, endSession, isManager, kefu, type Session } from "../api";
import { Alert, Card, formValues, html, useAction, useLoad } from "../ui";
import { adminStaffSchema, passwordSchema } from "../../protocol";
import { TotpSetup } from "./totp";

/** Every signed-in account changes its own password here; supervisors and admins also manage their TOTP. */
export function AccountPage(props: { session: Session }) {
  return html`<${PasswordCard} />${isManager(props.session) ? html`<${TotpCard} />` : null}`;
}

function PasswordCard() {
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const v = formValues(e.currentTarget as HTMLFormElement);
    void action.run(async () => {
      if (v.newPassword !== v.confirm) throw new Error("两次输入的新密码不一致");
      const checked = passwordSchema.safeParse(v.newPassword);
      if (!checked.success) throw new Error(checked.error.issues[0]?.message ?? "新密码不符合要求");
      await kefu.changeStaffPassword(v.currentPassword, v.newPassword);
      // The change ended every session of the account, this one included.
      endSession("密码已修改，请用新密码重新登录（其他设备也已退出）");
    });
  };
  return html`<${Card} title="修改密码">
    <form class="form narrow" onSubmit=${submit}>
      <label>当前密码<input name="currentPassword" type="password" autocomplete="current-password" required /></label>
      <label>新密码<input name="newPassword" type="password" autocomplete="new-password" minlength="6" maxlength="128" required /></label>
      <label>确认新密码<input name="confirm" type="password" autocomplete="new-password" required /></label>
      <p class="muted small">修改后，本账号在所有设备上的登录都会退出，需要用新密码重新登录。</p>
      <${Alert} error=${action.error} />
      <button type="submit" class="primary" disabled=${action.busy}>修改密码</button>
    </form>
  <//>`;
}

function TotpCard() {
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
