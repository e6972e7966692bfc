import QRCode from "qrcode";
import { useState } from "preact/hooks";
import { ApiRequestError } from "../../client/api";
import { kefu, type Session } from "../api";
import { roleSchema } from "../../protocol";
import { Alert, formValues, html, useAction } from "../ui";

/** `notice`: why the page is shown again (a session that ended, a changed password). */
export function LoginPage(props: { onLogin: (s: Session) => void; notice?: string }) {
  const [needTotp, setNeedTotp] = useState(false);
  /** TOTP is required and the account has none: the key to enrol with, confirmed by the next login. */
  const [enrol, setEnrol] = useState<{ secret: string; image: string } | null>(null);
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    const v = formValues(e.currentTarget as HTMLFormElement);
    action.run(async () => {
      try {
        const r = await kefu.loginStaff({ code: v.code, password: v.password, totp: v.totp || undefined, totpSecret: enrol?.secret });
        const role = roleSchema.safeParse(r.role);
        if (!role.success) throw new Error("该账号不是客服账号");
        props.onLogin({ token: r.token, expiresAt: r.expiresAt, role: role.data, id: r.id, name: r.name ?? v.code });
      } catch (error) {
        if (error instanceof ApiRequestError && error.code === "totp_setup_required") {
          const setup = await kefu.staffTotpSetup({ code: v.code, password: v.password });
          setEnrol({ secret: setup.secret, image: await QRCode.toDataURL(setup.uri, { width: 200, margin: 1 }) });
          setNeedTotp(true);
          return;
        }
        if ((error as Error).message.includes("动态验证码")) setNeedTotp(true);
        throw error;
      }
    });
  };
  return html`<div class="login">
    <form class="login-card" onSubmit=${submit}>
      <div class="brand big"><span class="logo">客</span><div><strong>客服管理后台</strong><small>客服、主管与管理员登录</small></div></div>
      <label>工号<input name="code" autocomplete="username" required autofocus /></label>
      <label>密码<input name="password" type="password" autocomplete="current-password" required /></label>
      ${enrol
        ? html`<div class="totp"><p>系统要求启用动态验证码：请用验证器扫描二维码（或手动输入密钥），再输入显示的 6 位动态码登录。</p>
            <img class="qr" src=${enrol.image} alt="动态码二维码" /><p class="muted"><code>${enrol.secret}</code></p></div>`
        : null}
      ${needTotp ? html`<label>动态验证码<input name="totp" inputmode="numeric" pattern="\\d{6}" maxlength="6" placeholder="验证器中的 6 位数字" required /></label>` : null}
      <${Alert} error=${action.error} ok=${action.busy ? null : props.notice} />
      <button type="submit" class="primary" disabled=${action.busy}>${action.busy ? "登录中…" : "登录"}</button>
    </form>
  </div>`;
}
