// A staff member changes their own password. The change ends every session of the account, this
// phone's included, so the page signs out and returns to the login page.
import { errorText, staffApi, staffSession, toast } from "../../lib/kit";

type Field = WechatMiniprogram.Input & { currentTarget: { dataset: { field: "current" | "next" | "confirm" } } };

Component({
  data: { current: "", next: "", confirm: "", busy: false, error: "" },
  methods: {
    onField(e: Field) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value, error: "" });
    },
    async submit() {
      const { current, next, confirm } = this.data;
      if (next !== confirm) return this.setData({ error: "两次输入的新密码不一致" });
      this.setData({ busy: true, error: "" });
      try {
        await staffApi().changeStaffPassword(current, next);
        staffSession.clear();
        toast("密码已修改，请用新密码重新登录");
        wx.reLaunch({ url: "/pages/staff-login/staff-login" });
      } catch (error) {
        this.setData({ error: errorText(error) });
      } finally {
        this.setData({ busy: false });
      }
    },
  },
});
