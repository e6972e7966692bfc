// Staff login: staff code, password, and the TOTP code when the account has it enabled; or
// WeChat alone once the staff member has bound their WeChat (offered after a password login).
import { ApiRequestError, errorText, staffApi, staffSession, toast, wxLoginCode } from "../../lib/kit";

type Field = WechatMiniprogram.Input & { currentTarget: { dataset: { field: "code" | "password" | "totp" } } };

Component({
  // totpSecret: enrolling now (TOTP required, none set up yet): the key to add to an authenticator app.
  data: { code: "", password: "", totp: "", needTotp: false, totpSecret: "", busy: false, error: "" },
  methods: {
    onLoad() {
      if (staffSession.load()) wx.redirectTo({ url: "/pages/staff-inbox/staff-inbox" });
    },
    onField(e: Field) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value, error: "" });
    },
    toggleTotp() {
      this.setData({ needTotp: !this.data.needTotp });
    },
    /** TOTP is required and not set up: show a new key for the authenticator; the next login with its code enrols it. */
    async enrolTotp() {
      try {
        const setup = await staffApi().staffTotpSetup({ code: this.data.code.trim(), password: this.data.password });
        this.setData({ totpSecret: setup.secret, needTotp: true, totp: "", error: "" });
      } catch (error) {
        this.setData({ error: errorText(error) });
      }
    },
    copySecret() {
      wx.setClipboardData({ data: this.data.totpSecret });
    },
    async wechatLogin() {
      this.setData({ busy: true, error: "" });
      try {
        const { totp, needTotp } = this.data;
        staffSession.save(await staffApi().loginStaffWechat(await wxLoginCode(), needTotp && totp ? totp.trim() : undefined));
        wx.redirectTo({ url: "/pages/staff-inbox/staff-inbox" });
      } catch (error) {
        // A TOTP-enabled account needs its dynamic code with the WeChat login too.
        const asksTotp = error instanceof ApiRequestError && error.status === 401 && error.message.includes("动态验证码");
        this.setData({ error: errorText(error), needTotp: this.data.needTotp || asksTotp });
      } finally {
        this.setData({ busy: false });
      }
    },
    /** After a password login on a phone whose WeChat is not bound yet, offer to bind it. */
    async offerBinding() {
      const api = staffApi();
      const me = await api.me().catch(() => null);
      if (!me || me.wechatBound !== false) return;
      const answer = await new Promise<boolean>((resolve) =>
        wx.showModal({ title: "绑定微信", content: "绑定后，下次可用微信一键登录", confirmText: "绑定", cancelText: "暂不", success: (r) => resolve(r.confirm), fail: () => resolve(false) }),
      );
      if (!answer) return;
      try {
        await api.bindStaffWechat(await wxLoginCode());
        toast("已绑定微信");
      } catch (error) {
        toast(errorText(error));
      }
    },
    async submit() {
      const { code, password, totp, needTotp, totpSecret } = this.data;
      this.setData({ busy: true, error: "" });
      try {
        const session = await staffApi().loginStaff({
          code: code.trim(),
          password,
          totp: needTotp && totp ? totp.trim() : undefined,
          totpSecret: totpSecret || undefined,
        });
        staffSession.save(session);
        await this.offerBinding();
        wx.redirectTo({ url: "/pages/staff-inbox/staff-inbox" });
      } catch (error) {
        if (error instanceof ApiRequestError && error.code === "totp_setup_required") return await this.enrolTotp();
        // The server asks for the dynamic code only when the account has TOTP enabled.
        const asksTotp = error instanceof ApiRequestError && error.status === 401 && error.message.includes("动态验证码");
        this.setData({ error: errorText(error), needTotp: needTotp || asksTotp });
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
