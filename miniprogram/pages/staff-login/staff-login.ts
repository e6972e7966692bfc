// Staff login: staff code, password, and the TOTP code when the account has it enabled.
import { ApiRequestError, errorText, staffApi, staffSession } from "../../lib/kit";

type Field = WechatMiniprogram.Input & { currentTarget: { dataset: { field: "code" | "password" | "totp" } } };

Component({
  data: { code: "", password: "", totp: "", needTotp: false, busy: false, error: "" },
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
    async submit() {
      const { code, password, totp, needTotp } = this.data;
      this.setData({ busy: true, error: "" });
      try {
        const session = await staffApi().loginStaff({ code: code.trim(), password, totp: needTotp && totp ? totp.trim() : undefined });
        staffSession.save(session);
        wx.redirectTo({ url: "/pages/staff-inbox/staff-inbox" });
      } catch (error) {
        // The server asks for the dynamic code only when the account has TOTP enabled.
        const asksTotp = error instanceof ApiRequestError && error.status === 401 && error.message.includes("动态验证码");
        this.setData({ error: errorText(error), needTotp: needTotp || asksTotp });
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
