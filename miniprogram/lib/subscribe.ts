// "Subscribe once, pushed ever after": every send tap asks for the reply template again; each
// accept is one push credit on the server. WeChat only shows the popup from inside a tap.
import type { ApiClient } from "../../client/api";
import { subscribeResultSchema, type SubscribeResult } from "../../protocol";
import { FALLBACK_TEMPLATE_IDS } from "../config";

/** WeChat accepts at most 3 templates per request. */
const MAX_PER_REQUEST = 3;

export class SubscribePrompt {
  private templateIds: string[] = FALLBACK_TEMPLATE_IDS;

  constructor(private readonly api: ApiClient<string>) {}

  /** Which templates to ask for; the server's list wins over the built-in fallback. */
  async load(): Promise<void> {
    try {
      const res = await this.api.subscriptions();
      if (res.templateIds.length) this.templateIds = res.templateIds;
    } catch {
      // Older servers have no list: keep the fallback.
    }
  }

  /** Call synchronously from a tap handler. Reports the answers; never blocks the send. */
  ask(): void {
    const tmplIds = this.templateIds.slice(0, MAX_PER_REQUEST);
    if (!tmplIds.length) return;
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => {
        const results: Record<string, SubscribeResult> = {};
        for (const id of tmplIds) {
          const parsed = subscribeResultSchema.safeParse((res as Record<string, unknown>)[id]);
          if (parsed.success) results[id] = parsed.data;
        }
        if (Object.keys(results).length) this.api.reportSubscriptions(results).catch(() => undefined);
      },
      fail: () => undefined,
    });
  }
}
