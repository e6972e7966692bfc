// Customer chat. Opened from the entry page, or from a subscribe push with
// `?conversationId=…&pushId=…` (PUSH_PAGE); without a conversation it enters like the entry page.
import { type ChatEvent, chatHandlers, choosePhoto, type EmojiDetail, openChat, type SendDetail, sessionOf, customerApi, customerSession, ensureCustomer, errorText, toast, SubscribePrompt, ApiRequestError, initialChatData, isUnloaded } from "../../lib/kit";
import type { StaffCard } from "../../../protocol";

const prompts = new WeakMap<object, SubscribePrompt>();

Component({
  data: {
    ...initialChatData(),
    staff: null as StaffCard | null,
    exclusive: false,
    rated: false,
    submitting: false,
    replyReach: null as { reachable: boolean; text: string } | null,
  },
  methods: {
    ...chatHandlers,
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ exclusive: query.exclusive === "1" });
      void this.start(query.conversationId ? decodeURIComponent(query.conversationId) : "", query.pushId);
    },
    async start(conversationId: string, pushId?: string) {
      const api = customerApi();
      try {
        await ensureCustomer(api);
        if (pushId) api.pushClicked(decodeURIComponent(pushId)).catch(() => undefined);
        const id = conversationId || (await api.entry()).conversationId;
        const prompt = new SubscribePrompt(api, (reach) => this.setData({ replyReach: reach }));
        prompts.set(this, prompt);
        void prompt.load();
        const staffCardData = (staff: StaffCard | null) => staff && { ...staff, avatar: api.assetUrl(staff.avatar) };
        const me = customerSession.load();
        const session = await openChat(this, {
          api,
          conversationId: id,
          self: { party: "customer", id: me?.id ?? "" },
          token: () => customerSession.token() ?? "",
          // Follows the staff member's presence and a handover to someone else.
          extraData: (s) => ({ staff: staffCardData(s.detail?.staff ?? null) }),
        });
        const staff = session.detail?.staff ?? null;
        this.setData({ loading: false, conversationId: id, staff: staffCardData(staff) });
        if (staff) wx.setNavigationBarTitle({ title: staff.name });
      } catch (error) {
        if (!isUnloaded(this)) this.setData({ loading: false, error: errorText(error) });
      }
    },
    /** Send taps may ask for the subscribe message (it must run inside the tap); SubscribePrompt decides. */
    askSubscribe(tapped: boolean) {
      if (tapped) prompts.get(this)?.ask();
    },
    onSend(e: ChatEvent<SendDetail>) {
      this.askSubscribe(e.detail.tapped);
      sessionOf(this)?.sendText(e.detail.text);
    },
    onEmoji(e: ChatEvent<EmojiDetail>) {
      this.askSubscribe(e.detail.tapped);
      sessionOf(this)?.sendEmoji(e.detail.emoji);
    },
    /** No subscribe popup here: it would stack with the photo picker. */
    onImage() {
      choosePhoto(this);
    },
    async onRate(e: ChatEvent<{ score: number; comment: string }>) {
      this.setData({ submitting: true });
      try {
        await customerApi().rate(this.data.conversationId, e.detail.score, e.detail.comment);
        this.setData({ rated: true });
      } catch (error) {
        if (error instanceof ApiRequestError && error.code === "conflict") this.setData({ rated: true });
        else toast(errorText(error));
      } finally {
        this.setData({ submitting: false });
      }
    },
    async restart() {
      try {
        const entry = await customerApi().entry();
        wx.redirectTo({ url: `/pages/chat/chat?conversationId=${encodeURIComponent(entry.conversationId)}` });
      } catch (error) {
        toast(errorText(error));
      }
    },
  },
});
