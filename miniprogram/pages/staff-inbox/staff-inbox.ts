// Staff inbox: conversations sorted by last message with red-dot unread counts, filters by
// status and time range, live updates from the staff's own StaffRoom socket, presence switch.
import { socketTarget, PRESENCE_LABELS, STATUS_LABELS, AWAITING_LABEL, type InboxFilter, type InboxView, viewQuery, inboxRows, rangeStart, removeItem, TIME_RANGES, totalUnread, upsertItem, StaffFeed, errorText, staffApi, staffSession, toast, WxWebSocket } from "../../lib/kit";
import type { ConversationStatus, InboxItem, Presence } from "../../../protocol";

type Tap = WechatMiniprogram.BaseEvent<Record<string, never>, { value?: string; id?: string; customer?: string }>;

const state = new WeakMap<object, { items: InboxItem[]; feed: StaffFeed | null }>();

Component({
  data: {
    name: "",
    presence: "online" as Presence,
    connected: false,
    status: "" as InboxView | "",
    rangeIndex: 0,
    loading: true,
    error: "",
    rows: [] as ReturnType<typeof inboxRows>,
    unreadTotal: 0,
    defaultAvatar: "",
    presences: (["online", "busy", "offline"] as const).map((value) => ({ value, label: PRESENCE_LABELS[value] })),
    statusTabs: [
      { value: "", label: "全部" },
      { value: "awaiting", label: AWAITING_LABEL },
      ...(["pending", "active", "ended"] as const).map((value) => ({ value, label: STATUS_LABELS[value] })),
    ],
    ranges: TIME_RANGES.map((r) => ({ value: r.value, label: r.label })),
  },
  methods: {
    onLoad() {
      const session = staffSession.load();
      if (!session) {
        wx.redirectTo({ url: "/pages/staff-login/staff-login" });
        return;
      }
      state.set(this, { items: [], feed: null });
      this.setData({ name: session.name ?? session.id, defaultAvatar: staffApi().assetUrl("/avatars/1.svg") });
      void this.reload();
      void staffApi()
        .me()
        .then((me) => me.status && this.setData({ presence: me.status }))
        .catch(() => undefined)
        .finally(() => this.connect());
    },
    onUnload() {
      // Dropping the state also stops a connect() still waiting for /api/auth/me (no leaked socket).
      state.get(this)?.feed?.close();
      state.delete(this);
    },
    onPullDownRefresh() {
      void this.reload().finally(() => wx.stopPullDownRefresh());
    },
    filter(): InboxFilter {
      const status = this.data.status || undefined;
      return { status, range: TIME_RANGES[this.data.rangeIndex]?.value ?? "all" };
    },
    async reload() {
      const s = state.get(this);
      if (!s) return;
      const filter = this.filter();
      try {
        const { items } = await staffApi().inbox({ ...viewQuery(filter.status), from: rangeStart(filter.range), limit: 100 });
        s.items = items;
        this.setData({ loading: false, error: "" });
        this.render();
      } catch (error) {
        this.setData({ loading: false, error: errorText(error) });
      }
    },
    render() {
      const items = state.get(this)?.items ?? [];
      const unreadTotal = totalUnread(items);
      this.setData({ rows: inboxRows(items, (p) => staffApi().assetUrl(p)), unreadTotal });
      wx.setNavigationBarTitle({ title: unreadTotal ? `消息(${unreadTotal})` : "消息" });
    },
    connect() {
      const s = state.get(this);
      const session = staffSession.load();
      if (!s || !session || s.feed) return;
      const feed: StaffFeed = new StaffFeed({
        ...socketTarget(staffApi().baseUrl),
        staffId: session.id,
        ticket: () => staffApi().socketTicket(),
        WebSocket: WxWebSocket,
        events: {
          // The feed sends the chosen status again after each reconnect.
          status: (open) => this.setData({ connected: open }),
          presence: (presence) => {
            if (state.get(this)?.feed === feed) this.setData({ presence });
          },
          inbox: (item) => {
            s.items = upsertItem(s.items, item, this.filter());
            this.render();
          },
          remove: (id) => {
            s.items = removeItem(s.items, id);
            this.render();
          },
        },
      });
      s.feed = feed;
    },
    onPresence(e: Tap) {
      const value = e.currentTarget.dataset.value as Presence;
      const s = state.get(this);
      if (!s || value === this.data.presence) return;
      this.setData({ presence: value });
      // Offline keeps the inbox live: the room stops assigning new conversations, messages still arrive.
      if (!s.feed) this.connect();
      s.feed?.setStatus(value);
      if (value === "offline") toast("已离线，不再接收新会话");
    },
    onStatus(e: Tap) {
      this.setData({ status: (e.currentTarget.dataset.value ?? "") as InboxView | "", loading: true });
      void this.reload();
    },
    onRange(e: WechatMiniprogram.PickerChange) {
      this.setData({ rangeIndex: Number(e.detail.value), loading: true });
      void this.reload();
    },
    open(e: Tap) {
      const { id, customer } = e.currentTarget.dataset;
      if (!id) return;
      wx.navigateTo({ url: `/pages/staff-chat/staff-chat?conversationId=${encodeURIComponent(id)}&customerId=${encodeURIComponent(customer ?? "")}` });
    },
    changePassword() {
      wx.navigateTo({ url: "/pages/staff-password/staff-password" });
    },
    logout() {
      state.get(this)?.feed?.close();
      staffSession.clear();
      wx.redirectTo({ url: "/pages/staff-login/staff-login" });
    },
  },
});
