// Staff chat: history, text/image/voice/emoji replies, quick replies, read receipts, the
// customer panel, transfer to a colleague and ending the conversation.
import { PRESENCE_LABELS, initialChatData, type ChatEvent, chatHandlers, choosePhoto, type EmojiDetail, openChat, type SendDetail, sessionOf, errorText, staffApi, staffSession, toast, isUnloaded } from "../../lib/kit";

type Tap = WechatMiniprogram.BaseEvent<Record<string, never>, { id?: string; name?: string }>;

Component({
  data: {
    ...initialChatData(),
    customerId: "",
    customerAvatar: "",
    quickReplies: [] as { id: string; title: string; content: string }[],
    transferOpen: false,
    transferReason: "",
    colleagues: [] as { id: string; name: string; department: string | null; presence: string; presenceLabel: string }[],
  },
  methods: {
    ...chatHandlers,
    onLoad(query: Record<string, string | undefined>) {
      const session = staffSession.load();
      if (!session) {
        wx.redirectTo({ url: "/pages/staff-login/staff-login" });
        return;
      }
      void this.start(decodeURIComponent(query.conversationId ?? ""), session.id);
    },
    async start(conversationId: string, staffId: string) {
      const api = staffApi();
      try {
        const chat = await openChat(this, { api, conversationId, self: { party: "staff", id: staffId }, token: () => staffSession.token() ?? "" });
        const conv = chat.detail?.conversation;
        this.setData({
          loading: false,
          conversationId,
          customerId: conv?.customerId ?? "",
          customerAvatar: api.assetUrl(conv?.customerAvatar ?? null),
          selfAvatar: api.assetUrl(chat.detail?.staff.avatar ?? null),
        });
        wx.setNavigationBarTitle({ title: conv?.customerName ?? "顾客" });
        const { templates } = await api.templates("quick_reply");
        this.setData({ quickReplies: templates.map((t) => ({ id: t.id, title: t.title, content: t.content })) });
      } catch (error) {
        if (!isUnloaded(this)) this.setData({ loading: false, error: errorText(error) });
      }
    },
    onSend(e: ChatEvent<SendDetail>) {
      sessionOf(this)?.sendText(e.detail.text);
    },
    onEmoji(e: ChatEvent<EmojiDetail>) {
      sessionOf(this)?.sendEmoji(e.detail.emoji);
    },
    onImage() {
      choosePhoto(this);
    },
    openCustomer() {
      if (this.data.customerId) wx.navigateTo({ url: `/pages/staff-customer/staff-customer?customerId=${encodeURIComponent(this.data.customerId)}&conversationId=${encodeURIComponent(this.data.conversationId)}` });
    },
    async openTransfer() {
      try {
        const { staff } = await staffApi().colleagues();
        const me = staffSession.load()?.id;
        this.setData({
          transferOpen: true,
          colleagues: staff
            .filter((s) => s.id !== me)
            .map((s) => ({ id: s.id, name: s.name, department: s.department, presence: s.presence, presenceLabel: PRESENCE_LABELS[s.presence] })),
        });
      } catch (error) {
        toast(errorText(error));
      }
    },
    closeTransfer() {
      this.setData({ transferOpen: false });
    },
    onReason(e: WechatMiniprogram.Input) {
      this.setData({ transferReason: e.detail.value });
    },
    async transferTo(e: Tap) {
      const { id, name } = e.currentTarget.dataset;
      if (!id) return;
      try {
        await staffApi().transfer(this.data.conversationId, id, this.data.transferReason.trim() || undefined);
        this.setData({ transferOpen: false });
        wx.showToast({ title: `已转接给${name ?? "同事"}`, icon: "success" });
        setTimeout(() => wx.navigateBack({ delta: 1 }), 800);
      } catch (error) {
        toast(errorText(error));
      }
    },
    endConversation() {
      wx.showModal({
        title: "结束会话",
        content: "结束后顾客将收到评价邀请，确定结束吗？",
        confirmText: "结束",
        confirmColor: "#fa5151",
        success: async (res) => {
          if (!res.confirm) return;
          try {
            await staffApi().end(this.data.conversationId);
          } catch (error) {
            toast(errorText(error));
          }
        },
      });
    },
  },
});
