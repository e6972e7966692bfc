// 1 to 5 stars and an optional comment; emits `submit` with {score, comment}.
type Tap = WechatMiniprogram.BaseEvent<Record<string, never>, { score?: number }>;

Component({
  options: { styleIsolation: "apply-shared" },
  properties: {
    submitting: { type: Boolean, value: false },
  },
  data: {
    stars: [1, 2, 3, 4, 5],
    labels: ["", "非常不满意", "不满意", "一般", "满意", "非常满意"],
    score: 0,
    comment: "",
  },
  methods: {
    onStar(e: Tap) {
      this.setData({ score: Number(e.currentTarget.dataset.score ?? 0) });
    },
    onComment(e: WechatMiniprogram.Input) {
      this.setData({ comment: e.detail.value });
    },
    onSubmit() {
      if (!this.data.score) return;
      this.triggerEvent("submit", { score: this.data.score, comment: this.data.comment });
    },
  },
});
