// Chat bubbles: text, emoji, image (tap to preview), voice (tap to play), sending/sent/failed
// states with tap-to-resend, read receipts of own messages.
import { type Bubble } from "../../lib/kit";

type Tap = WechatMiniprogram.BaseEvent<Record<string, never>, { key?: string; url?: string; state?: string }>;

let audio: WechatMiniprogram.InnerAudioContext | null = null;

Component({
  options: { styleIsolation: "apply-shared" },
  properties: {
    bubbles: { type: Array, value: [] as Bubble[] },
    selfAvatar: { type: String, value: "" },
    peerAvatar: { type: String, value: "" },
    hasOlder: { type: Boolean, value: false },
    peerTyping: { type: Boolean, value: false },
  },
  data: { playing: "" },
  lifetimes: {
    detached() {
      audio?.stop();
    },
  },
  methods: {
    onResend(e: Tap) {
      this.triggerEvent("resend", { key: e.currentTarget.dataset.key });
    },
    onBubbleTap(e: Tap) {
      if (e.currentTarget.dataset.state === "failed") this.triggerEvent("resend", { key: e.currentTarget.dataset.key });
    },
    onImageTap(e: Tap) {
      const url = e.currentTarget.dataset.url;
      if (!url) return;
      const urls = (this.data.bubbles as Bubble[]).filter((b) => b.imageUrl).map((b) => b.imageUrl);
      wx.previewImage({ current: url, urls });
    },
    onVoiceTap(e: Tap) {
      const { key, url } = e.currentTarget.dataset;
      if (!key || !url) return;
      if (!audio) {
        audio = wx.createInnerAudioContext();
        audio.onEnded(() => this.setData({ playing: "" }));
        audio.onStop(() => this.setData({ playing: "" }));
        audio.onError(() => this.setData({ playing: "" }));
      }
      if (this.data.playing === key) {
        audio.stop();
        return;
      }
      audio.src = url;
      audio.play();
      this.setData({ playing: key });
    },
  },
});
