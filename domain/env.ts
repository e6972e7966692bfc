// The Worker's environment. Bindings and vars are generated from wrangler.toml by `wrangler types`
// (worker/worker-configuration.d.ts, checked by `npm test`); secrets and optional vars, which
// wrangler.toml does not list, are declared here.
export type Env = Cloudflare.Env & {
  TOKEN_SECRET: string;
  WECHAT_SECRET: string;
  /** The message-push token set in WeChat (开发管理 → 消息推送); /api/wechat/push refuses everything without it. */
  WECHAT_PUSH_TOKEN?: string;
  /**
   * The official account (公众号) whose web authorization signs customers in on the H5 page inside
   * WeChat; without both, that sign-in is off.
   */
  WECHAT_OA_APPID?: string;
  WECHAT_OA_SECRET?: string;
  /** Host of WeChat's authorize page (default https://open.weixin.qq.com; tests use the fake). */
  WECHAT_OAUTH_BASE?: string;
  /** snsapi_base (default: silent, openid only) or snsapi_userinfo (asks; brings the unionid). */
  WECHAT_OA_SCOPE?: string;
  /** Rate-limit overrides, e.g. "login_ip=5/60,send_identity=off" (see domain/rate-limit.ts). */
  RATE_LIMITS?: string;
  /** Optional libSQL/Turso database used instead of D1 when set. */
  LIBSQL_URL?: string;
  LIBSQL_AUTH_TOKEN?: string;
  /** How long the D1 copier gathers copies before writing them (default 1000 ms; tests raise it to kill in between). */
  D1_COPY_DELAY_MS?: string;
  /** How many D1 copiers share the conversations (default 2). */
  D1_COPY_SHARDS?: string;
  /** How long customer text is flagged without asking WeChat after its content check failed several times in a row (default 30000 ms). */
  CONTENT_CHECK_PAUSE_MS?: string;
};
