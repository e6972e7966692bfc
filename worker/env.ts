import type { ConversationRoom } from "../rooms/conversation-room";
import type { StaffRoom } from "../rooms/staff-room";

/** Bindings and variables of the Worker (see wrangler.toml). */
export interface Env {
  DB: D1Database;
  MEDIA: R2Bucket;
  ASSETS: Fetcher;
  ConversationRoom: DurableObjectNamespace<ConversationRoom>;
  StaffRoom: DurableObjectNamespace<StaffRoom>;
  TOKEN_SECRET: string;
  WECHAT_API_BASE: string;
  WECHAT_APPID: string;
  WECHAT_SECRET: string;
  ALLOW_GUEST: string;
  /** Optional libSQL/Turso database used instead of D1 when set. */
  LIBSQL_URL?: string;
  LIBSQL_AUTH_TOKEN?: string;
}
