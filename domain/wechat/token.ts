// Access-token cache, independent of storage: one token per app, refreshed
// before expiry, one request in flight at a time. The Worker hosts one
// instance in a singleton Durable Object so the whole app shares one token.
import { WechatError } from "./client";

export interface FetchedToken {
  access_token: string;
  /** Seconds of validity left. */
  expires_in: number;
}

/** Fetches a token; `force` asks WeChat for a new one even if the current one is still valid. */
export type FetchToken = (force: boolean) => Promise<FetchedToken>;

/** Refresh when fewer than this many milliseconds of validity remain. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

interface CachedToken {
  token: string;
  /** When get() stops serving it and fetches again. */
  refreshAt: number;
}

export class AccessTokenCache {
  private current: CachedToken | null = null;
  private inflight: { force: boolean; promise: Promise<string> } | null = null;

  constructor(
    private readonly fetchToken: FetchToken,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached token, or a fresh one; concurrent callers share one fetch. */
  get(): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return Promise.resolve(this.current.token);
    return this.refresh(false);
  }

  /**
   * Reports a token WeChat rejected (40001/42001/40014) and resolves to a good one.
   * A token that is no longer the cached one was already replaced and is ignored.
   * Concurrent reports of the same token share one refresh. The refresh first asks
   * without force_refresh (WeChat then hands out a new token if the old one expired
   * or was replaced; force_refresh is limited to 20 calls a day) and forces only if
   * WeChat hands back the very token it rejected.
   */
  async invalidate(badToken: string): Promise<string> {
    if (this.current && this.current.token !== badToken) return this.get();
    // Concurrent callers reach here together and join one fetch in refresh().
    this.current = null;
    const token = await this.refresh(false);
    if (token !== badToken) return token;
    this.current = null;
    return this.refresh(true);
  }

  /** Joins the fetch in flight unless a forced one is needed and the one in flight is not forced. */
  private refresh(force: boolean): Promise<string> {
    const running = this.inflight;
    if (running && (running.force || !force)) return running.promise;
    const start = async (): Promise<string> => {
      const startedAt = this.now();
      const { access_token, expires_in } = await this.fetchToken(force);
      const lifetime = expires_in * 1000;
      // Normally refresh 5 minutes early; a token handed out with little time left is
      // still used for half of what remains, so get() never fetches on every call.
      this.current = { token: access_token, refreshAt: startedAt + Math.max(lifetime - REFRESH_MARGIN_MS, lifetime / 2) };
      return access_token;
    };
    const promise = (running ? running.promise.then(start, start) : start()).finally(() => {
      if (this.inflight?.promise === promise) this.inflight = null;
    });
    this.inflight = { force, promise };
    return promise;
  }
}

/**
 * Runs `fn` with a token; when WeChat says the token is invalid or expired,
 * reports it once and retries once with the fresh token.
 */
export async function withAccessToken<T>(
  getToken: () => Promise<string>,
  invalidate: (badToken: string) => Promise<string>,
  fn: (token: string) => Promise<T>,
): Promise<T> {
  const token = await getToken();
  try {
    return await fn(token);
  } catch (error) {
    if (!(error instanceof WechatError) || !error.isTokenInvalid()) throw error;
    return fn(await invalidate(token));
  }
}
