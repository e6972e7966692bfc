// Customer entry (home page and the page an exclusive QR code opens): wx.login → token →
// POST /api/entry with the QR scene, then the assigned staff card and a button into the chat.
import { customerApi, ensureCustomer, errorText } from "../../lib/kit";
import type { StaffCard } from "../../../protocol";

Component({
  data: {
    loading: true,
    error: "",
    staff: null as StaffCard | null,
    exclusive: false,
    continued: false,
    conversationId: "",
    scene: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ scene: query.scene ? decodeURIComponent(query.scene) : "" });
      void this.start();
    },
    async start() {
      this.setData({ loading: true, error: "" });
      const api = customerApi();
      const scene = this.data.scene || undefined;
      try {
        await ensureCustomer(api);
        const entry = await api.entry(scene);
        this.setData({
          loading: false,
          staff: { ...entry.staff, avatar: api.assetUrl(entry.staff.avatar) },
          exclusive: scene !== undefined && entry.exclusive,
          continued: entry.continued,
          conversationId: entry.conversationId,
        });
      } catch (error) {
        this.setData({ loading: false, error: errorText(error) });
      }
    },
    openChat() {
      wx.navigateTo({ url: `/pages/chat/chat?conversationId=${encodeURIComponent(this.data.conversationId)}${this.data.exclusive ? "&exclusive=1" : ""}` });
    },
    openStaff() {
      wx.navigateTo({ url: "/pages/staff-login/staff-login" });
    },
  },
});
