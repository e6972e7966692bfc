// The chat input bar: text, emoji panel, photo, hold-to-talk voice, and quick replies (staff).
// Every send is a `send` event whose detail says whether it came from a tap, so the customer
// page can ask for subscribe messages inside the tap as WeChat requires.
import { agreePrivacy, declinePrivacy, EMOJIS, ensureRecordPermission, watchPrivacy } from "../../lib/kit";

type Panel = "" | "emoji" | "more" | "quick";
type Tap = WechatMiniprogram.BaseEvent<Record<string, never>, { emoji?: string; content?: string }>;
type Input = WechatMiniprogram.Input;

const MIN_VOICE_MS = 1000;
const MAX_VOICE_MS = 60_000;

let recorder: WechatMiniprogram.RecorderManager | null = null;
const unwatch = new WeakMap<object, () => void>();
/** Composers whose hold-to-talk button is pressed right now. */
const holding = new WeakSet<object>();

Component({
  options: { styleIsolation: "apply-shared" },
  properties: {
    disabled: { type: Boolean, value: false },
    quickReplies: { type: Array, value: [] as { id: string; title: string; content: string }[] },
  },
  data: {
    text: "",
    voiceMode: false,
    recording: false,
    panel: "" as Panel,
    emojis: [...EMOJIS] as string[],
    privacyShown: false,
  },
  lifetimes: {
    attached() {
      unwatch.set(this, watchPrivacy((shown) => this.setData({ privacyShown: shown })));
    },
    detached() {
      unwatch.get(this)?.();
    },
  },
  methods: {
    onAgreePrivacy() {
      agreePrivacy();
    },
    onDeclinePrivacy() {
      declinePrivacy();
    },
    openPrivacyContract() {
      wx.openPrivacyContract?.({});
    },
    onInput(e: Input) {
      this.setData({ text: e.detail.value });
      this.triggerEvent("typing");
    },
    onConfirm() {
      this.send(false);
    },
    onSendTap() {
      this.send(true);
    },
    send(tapped: boolean) {
      const text = (this.data.text as string).trim();
      if (!text || this.data.disabled) return;
      this.triggerEvent("send", { text, tapped });
      this.setData({ text: "" });
    },
    onEmojiTap(e: Tap) {
      if (this.data.disabled || !e.currentTarget.dataset.emoji) return;
      this.triggerEvent("emoji", { emoji: e.currentTarget.dataset.emoji, tapped: true });
    },
    onQuickTap(e: Tap) {
      this.setData({ text: e.currentTarget.dataset.content ?? "", panel: "", voiceMode: false });
    },
    onImageTap() {
      if (this.data.disabled) return;
      this.setData({ panel: "" });
      this.triggerEvent("image", { tapped: true });
    },
    toggleEmoji() {
      this.setData({ panel: this.data.panel === "emoji" ? "" : "emoji", voiceMode: false });
    },
    toggleMore() {
      this.setData({ panel: this.data.panel === "more" ? "" : "more" });
    },
    toggleQuick() {
      this.setData({ panel: this.data.panel === "quick" ? "" : "quick" });
    },
    toggleVoice() {
      this.setData({ voiceMode: !this.data.voiceMode, panel: "" });
    },
    closePanels() {
      if (this.data.panel) this.setData({ panel: "" });
    },
    recorder(): WechatMiniprogram.RecorderManager {
      if (!recorder) recorder = wx.getRecorderManager();
      return recorder;
    },
    async startRecord() {
      if (this.data.disabled) return;
      holding.add(this);
      // Refused before: WeChat will not ask again, only the settings page can allow it.
      if (!(await ensureRecordPermission())) return;
      // Released while the permission was checked: no recording.
      if (!holding.has(this)) return;
      const rec = this.recorder();
      rec.onStop((res) => {
        const cancelled = !this.data.recording;
        this.setData({ recording: false });
        if (cancelled) return;
        if (res.duration < MIN_VOICE_MS) {
          wx.showToast({ title: "说话时间太短", icon: "none" });
          return;
        }
        this.triggerEvent("voice", { path: res.tempFilePath, durationMs: res.duration, tapped: true });
      });
      rec.onError((err) => {
        this.setData({ recording: false });
        wx.showToast({ title: /privacy|auth deny|authorize/.test(err.errMsg) ? "未获得麦克风权限，无法录音" : "录音失败，请检查麦克风权限", icon: "none" });
      });
      this.setData({ recording: true });
      rec.start({ duration: MAX_VOICE_MS, format: "mp3", sampleRate: 16000, numberOfChannels: 1, encodeBitRate: 48000 });
    },
    stopRecord() {
      holding.delete(this);
      if (this.data.recording) this.recorder().stop();
    },
    cancelRecord() {
      holding.delete(this);
      this.setData({ recording: false });
      this.recorder().stop();
    },
  },
});
