// "Subscribe once, pushed ever after": each accept of wx.requestSubscribeMessage is one push credit
// on the server. The popup is shown only from inside a send tap (WeChat requires a tap), only when
// the customer is low on credits, never right after a popup that granted nothing, and never with
// the photo picker. The page shows whether staff replies can reach the customer now.
import type { ApiClient } from "../../client/api";
import { subscribeResultSchema, type SubscribeResult, type SubscriptionState } from "../../protocol";
import { FALLBACK_TEMPLATE_IDS } from "../config";

/** WeChat accepts at most 3 templates per request. */
const MAX_PER_REQUEST = 3;
/** Ask while a template has fewer credits than this (replies the customer may miss otherwise). */
export const LOW_CREDITS = 3;
/** After a popup that granted nothing, this many send taps go by without one. */
export const QUIET_TAPS_AFTER_REFUSAL = 5;

export type ReplyReach = { reachable: boolean; text: string };

export class SubscribePrompt {
  private templateIds: string[] = FALLBACK_TEMPLATE_IDS;
  private readonly credits = new Map<string, number>();
  private readonly banned = new Set<string>();
  private quietTaps = 0;

  constructor(
    private readonly api: ApiClient<string>,
    /** Called whenever the reach (credits) changes. */
    private readonly onReach: (reach: ReplyReach) => void = () => undefined,
  ) {}

  /** Which templates to ask for and the customer's credits; the server's list wins over the fallback. */
  async load(): Promise<void> {
    try {
      const res = await this.api.subscriptions();
      if (res.templateIds.length) this.templateIds = res.templateIds;
      this.apply(res.subscriptions);
    } catch {
      // Older servers have no list: keep the fallback (and ask, not knowing the credits).
    }
    this.onReach(this.reach());
  }

  private apply(states: SubscriptionState[]): void {
    for (const s of states) {
      this.credits.set(s.templateId, s.credits);
      if (s.lastResult === "ban") this.banned.add(s.templateId);
    }
  }

  /** Templates worth asking for now: not banned and low on credits. */
  private wanted(): string[] {
    return this.templateIds.filter((id) => !this.banned.has(id) && (this.credits.get(id) ?? 0) < LOW_CREDITS).slice(0, MAX_PER_REQUEST);
  }

  reach(): ReplyReach {
    const reachable = this.templateIds.some((id) => (this.credits.get(id) ?? 0) > 0);
    return reachable
      ? { reachable, text: "离开后，客服回复会通过微信服务通知提醒您" }
      : { reachable, text: "未开启回复提醒：离开后将收不到客服回复的通知，发送消息时可开启" };
  }

  /** Call synchronously from a send tap. Reports the answers; never blocks the send. */
  ask(): void {
    if (this.quietTaps > 0) {
      this.quietTaps--;
      return;
    }
    const tmplIds = this.wanted();
    if (!tmplIds.length) return;
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => {
        const results: Record<string, SubscribeResult> = {};
        for (const id of tmplIds) {
          const parsed = subscribeResultSchema.safeParse((res as Record<string, unknown>)[id]);
          if (parsed.success) results[id] = parsed.data;
        }
        this.answered(results);
        if (Object.keys(results).length) this.api.reportSubscriptions(results).catch(() => undefined);
      },
      fail: () => this.answered({}),
    });
  }

  private answered(results: Record<string, SubscribeResult>): void {
    let granted = 0;
    for (const [id, result] of Object.entries(results)) {
      if (result === "accept") {
        granted++;
        this.credits.set(id, (this.credits.get(id) ?? 0) + 1);
      } else if (result === "ban") this.banned.add(id);
    }
    if (!granted) this.quietTaps = QUIET_TAPS_AFTER_REFUSAL;
    this.onReach(this.reach());
  }
}
