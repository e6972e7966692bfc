// Staff inbox: conversations sorted by last message with red-dot unread counts, filters by
// status and time range, live updates from the staff's own StaffRoom socket, presence switch.
import { socketTarget, PRESENCE_LABELS, STATUS_LABELS, type InboxFilter, inboxRows, rangeStart, removeItem, TIME_RANGES, totalUnread, upsertItem, StaffFeed, errorText, staffApi, staffSession, toast, WxWebSocket } from "../../lib/kit";
import type { ConversationStatus, InboxItem, Presence } from "../../../protocol";

type Tap = WechatMiniprogram.BaseEvent<Record<string, never>, { value?: string; id?: string; customer?: string }>;

const state = new WeakMap<object, { items: InboxItem[]; feed: StaffFeed | null }>();

Component({
  data: {
    name: "",
    presence: "online" as Presence,
    connected: false,
    status: "" as ConversationStatus | "",
    rangeIndex: 0,
    loading: true,
    error: "",
    rows: [] as ReturnType<typeof inboxRows>,
    unreadTotal: 0,
    defaultAvatar: "",
    presences: (["online", "busy", "offline"] as const).map((value) => ({ value, label: PRESENCE_LABELS[value] })),
    statusTabs: [{ value: "", label: "全部" }, ...(["pending", "active", "ended"] as const).map((value) => ({ value, label: STATUS_LABELS[value] }))],
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
        const { items } = await staffApi().inbox({ status: filter.status, from: rangeStart(filter.range), limit: 100 });
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
      if (!s || !session || s.feed || this.data.presence === "offline") return;
      const feed: StaffFeed = new StaffFeed({
        ...socketTarget(staffApi().baseUrl),
        staffId: session.id,
        token: () => staffSession.token() ?? "",
        WebSocket: WxWebSocket,
        events: {
          status: (open) => {
            this.setData({ connected: open });
            // After a reconnect, restore the chosen status (the room remembers it too).
            if (open && this.data.presence !== "offline") feed.setStatus(this.data.presence === "busy" ? "busy" : "online");
          },
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
      if (value === "offline") {
        // Offline is having no socket open: the room stops assigning new conversations.
        s.feed?.close();
        s.feed = null;
        this.setData({ connected: false });
        toast("已离线，不再接收新会话");
        return;
      }
      if (s.feed) s.feed.setStatus(value);
      else this.connect();
    },
    onStatus(e: Tap) {
      this.setData({ status: (e.currentTarget.dataset.value ?? "") as ConversationStatus | "", loading: true });
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
    logout() {
      state.get(this)?.feed?.close();
      staffSession.clear();
      wx.redirectTo({ url: "/pages/staff-login/staff-login" });
    },
  },
});
