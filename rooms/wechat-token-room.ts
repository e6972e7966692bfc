// The one access token of the app: a singleton actor (instance "main") hosts the
// cache, so every Worker isolate and room shares one token and one refresh.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../domain/env";
import { wechatClient } from "../domain/wechat/env";
import { AccessTokenCache } from "../domain/wechat/token";

export class WechatTokenRoom extends DurableObject<Env> {
  private readonly cache = new AccessTokenCache((force) => wechatClient(this.env).stableToken(force));

  /** A valid token; concurrent callers share one stable_token request. */
  token(): Promise<string> {
    return this.cache.get();
  }

  /** Reports a token WeChat rejected; resolves to its replacement (one refresh however many report it). */
  invalidate(badToken: string): Promise<string> {
    return this.cache.invalidate(badToken);
  }
}
