// Customer panel for staff: profile, tags, notes, earlier conversations (GET/PUT /api/customers/:id).
import { timeLabel, inboxRows, errorText, staffApi, toast } from "../../lib/kit";

type Field = WechatMiniprogram.Input & { currentTarget: { dataset: { field: "phone" | "note" | "newTag" } } };
type Tap = WechatMiniprogram.BaseEvent<Record<string, never>, { tag?: string }>;

Component({
  data: {
    loading: true,
    error: "",
    saving: false,
    customerId: "",
    nickname: "",
    avatar: "",
    phone: "",
    note: "",
    tags: [] as string[],
    newTag: "",
    createdAt: "",
    lastActiveAt: "",
    history: [] as ReturnType<typeof inboxRows>,
    conversationId: "",
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ customerId: decodeURIComponent(query.customerId ?? ""), conversationId: decodeURIComponent(query.conversationId ?? "") });
      void this.load();
    },
    async load() {
      const api = staffApi();
      try {
        const { customer, conversations } = await api.customer(this.data.customerId);
        this.setData({
          loading: false,
          nickname: customer.nickname ?? `顾客 ${customer.id.slice(-4)}`,
          avatar: api.assetUrl(customer.avatar ?? "/avatars/1.svg"),
          phone: customer.phone ?? "",
          note: customer.note ?? "",
          tags: customer.tags,
          createdAt: timeLabel(customer.createdAt),
          lastActiveAt: timeLabel(customer.lastActiveAt),
          // Earlier conversations: the open one is the chat this page was opened from.
          history: inboxRows(conversations.filter((c) => c.id !== this.data.conversationId), (p) => api.assetUrl(p)),
        });
      } catch (error) {
        this.setData({ loading: false, error: errorText(error) });
      }
    },
    onField(e: Field) {
      this.setData({ [e.currentTarget.dataset.field]: e.detail.value });
    },
    addTag() {
      const tag = this.data.newTag.trim();
      if (!tag || this.data.tags.includes(tag)) return;
      this.setData({ tags: [...this.data.tags, tag], newTag: "" });
    },
    removeTag(e: Tap) {
      this.setData({ tags: this.data.tags.filter((t) => t !== e.currentTarget.dataset.tag) });
    },
    async save() {
      this.setData({ saving: true });
      try {
        const phone = this.data.phone.trim();
        await staffApi().updateCustomer(this.data.customerId, { tags: this.data.tags, note: this.data.note.trim() || null, phone: phone || null });
        wx.showToast({ title: "已保存", icon: "success" });
      } catch (error) {
        toast(errorText(error));
      } finally {
        this.setData({ saving: false });
      }
    },
  },
});
