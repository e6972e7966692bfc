import type { ConversationRoom } from "../rooms/conversation-room";
import type { MonitorRoom } from "../rooms/monitor-room";
import type { RateLimiter } from "../rooms/rate-limiter";
import type { StaffRoom } from "../rooms/staff-room";
import type { WechatTokenRoom } from "../rooms/wechat-token-room";

/** Bindings and variables of the Worker (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  MEDIA: R2Bucket;
  ASSETS: Fetcher;
  ConversationRoom: DurableObjectNamespace<ConversationRoom>;
  StaffRoom: DurableObjectNamespace<StaffRoom>;
  MonitorRoom: DurableObjectNamespace<MonitorRoom>;
  WechatTokenRoom: DurableObjectNamespace<WechatTokenRoom>;
  RateLimiter: DurableObjectNamespace<RateLimiter>;
  TOKEN_SECRET: string;
  WECHAT_API_BASE: string;
  WECHAT_APPID: string;
  WECHAT_SECRET: string;
  /** Subscribe-message template of staff replies, unless a `push` template is configured. */
  WECHAT_REPLY_TEMPLATE_ID: string;
  /** formal | trial | developer: which mini program version pushes and QR codes open. */
  WECHAT_MINIPROGRAM_STATE: string;
  ALLOW_GUEST: string;
  /** Rate-limit overrides, e.g. "login_ip=5/60,send_socket=off" (see worker/rate-limit.ts). */
  RATE_LIMITS?: string;
  /** Optional libSQL/Turso database used instead of D1 when set. */
  LIBSQL_URL?: string;
  LIBSQL_AUTH_TOKEN?: string;
}
