// TOTP setup: the server proposes a secret, the page shows it as a QR code for an authenticator
// app, and a code from the app confirms it.
import { useEffect, useState } from "preact/hooks";
import { call, callChecked } from "../api";
import { loadLazy } from "../lazy-loader";
import { Alert, formValues, html, useAction } from "../ui";
import { totpSetupSchema } from "../../protocol";

export function TotpSetup(props: { base: string; label: string; onDone: () => void }) {
  const [setup, setSetup] = useState<{ secret: string; uri: string; image: string } | null>(null);
  const action = useAction();
  useEffect(() => {
    action.run(async () => {
      const s = await callChecked(`${props.base}/setup`, totpSetupSchema, { method: "POST" });
      setSetup({ ...s, image: await (await loadLazy()).qrDataUrl(s.uri) });
    });
  }, [props.base]);
  const confirm = (e: Event) => {
    e.preventDefault();
    const { code } = formValues(e.currentTarget as HTMLFormElement);
    action.run(async () => {
      await call(props.base, { body: { secret: setup!.secret, code } });
      props.onDone();
    });
  };
  return html`<form class="totp" onSubmit=${confirm}>
    <p>请用 Google Authenticator、Microsoft Authenticator 或其他验证器扫描下方二维码（${props.label}），再输入显示的 6 位动态码完成绑定。</p>
    ${setup
      ? html`<img class="qr" src=${setup.image} alt="动态码二维码" data-uri=${setup.uri} />
          <p class="muted">无法扫码时手动输入密钥：<code>${setup.secret}</code></p>`
      : html`<p class="muted">生成中…</p>`}
    <label>动态码<input name="code" inputmode="numeric" pattern="\\d{6}" maxlength="6" required /></label>
    <${Alert} error=${action.error} />
    <button class="primary" type="submit" disabled=${!setup || action.busy}>确认绑定</button>
  </form>`;
}
