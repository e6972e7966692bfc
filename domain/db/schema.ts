// D1 schema. Times are integer milliseconds since the epoch.
import { sql } from "drizzle-orm";
import { STAFF_ROLES } from "../../protocol";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    openid: text("openid").notNull(),
    unionid: text("unionid"),
    nickname: text("nickname"),
    avatar: text("avatar"),
    phone: text("phone"),
    /** Staff the customer is bound to by an exclusive QR code. */
    exclusiveStaffId: text("exclusive_staff_id"),
    tags: text("tags", { mode: "json" }).$type<string[]>().notNull().default(sql`'[]'`),
    note: text("note"),
    createdAt: integer("created_at").notNull(),
    lastActiveAt: integer("last_active_at").notNull(),
    /** Carried in the customer's tokens; raising it revokes them (domain/auth/session.ts). */
    sessionVersion: integer("session_version").notNull().default(0),
  },
  // A customer known by the mini program and the H5 page through one unionid is one row.
  (t) => [uniqueIndex("users_openid").on(t.openid), index("users_unionid").on(t.unionid)],
);

export const staffGroups = sqliteTable("staff_groups", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
});

export const staff = sqliteTable(
  "staff",
  {
    id: text("id").primaryKey(),
    code: text("code").notNull(),
    name: text("name").notNull(),
    avatar: text("avatar"),
    department: text("department"),
    specialty: text("specialty"),
    role: text("role", { enum: STAFF_ROLES }).notNull().default("staff"),
    isDefault: integer("is_default", { mode: "boolean" }).notNull().default(false),
    isOnDuty: integer("is_on_duty", { mode: "boolean" }).notNull().default(false),
    /** Status the staff member chose: online, busy or offline; `presence` adds connectivity. */
    status: text("status", { enum: ["online", "busy", "offline"] }).notNull().default("online"),
    /** online/busy while a socket of the staff is connected, offline otherwise (kept by StaffRoom). */
    presence: text("presence", { enum: ["online", "busy", "offline"] }).notNull().default("offline"),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    passwordHash: text("password_hash").notNull(),
    totpSecret: text("totp_secret"),
    totpEnabled: integer("totp_enabled", { mode: "boolean" }).notNull().default(false),
    /** The last TOTP time step accepted: a code is good once. */
    totpLastStep: integer("totp_last_step").notNull().default(0),
    /** Carried in the staff member's tokens; raising it revokes them and closes their sockets. */
    sessionVersion: integer("session_version").notNull().default(0),
    wechatOpenid: text("wechat_openid"),
    groupId: text("group_id"),
    qrcodeKey: text("qrcode_key"),
    lastAssignedAt: integer("last_assigned_at").notNull().default(0),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("staff_code").on(t.code), index("staff_assign").on(t.isDefault, t.disabled)],
);

export const conversations = sqliteTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    customerId: text("customer_id").notNull(),
    staffId: text("staff_id").notNull(),
    status: text("status", { enum: ["pending", "active", "ended"] }).notNull().default("pending"),
    source: text("source", { enum: ["qr", "direct", "transfer"] }).notNull(),
    createdAt: integer("created_at").notNull(),
    /** Time of the first message: the conversation starts there. */
    startedAt: integer("started_at"),
    endedAt: integer("ended_at"),
    endReason: text("end_reason"),
    lastSeq: integer("last_seq").notNull().default(0),
    lastMessageAt: integer("last_message_at"),
    lastMessagePreview: text("last_message_preview"),
    /** The customer's last message has no staff reply after it (待回复). */
    awaitingReply: integer("awaiting_reply", { mode: "boolean" }).notNull().default(false),
    unreadStaff: integer("unread_staff").notNull().default(0),
    unreadCustomer: integer("unread_customer").notNull().default(0),
    staffReadSeq: integer("staff_read_seq").notNull().default(0),
    customerReadSeq: integer("customer_read_seq").notNull().default(0),
    rating: integer("rating"),
    ratingComment: text("rating_comment"),
    resolved: integer("resolved", { mode: "boolean" }).notNull().default(false),
    converted: integer("converted", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    index("conversations_inbox").on(t.staffId, t.status, t.lastMessageAt),
    index("conversations_customer").on(t.customerId, t.status),
    index("conversations_last").on(t.lastMessageAt),
  ],
);

export const messages = sqliteTable(
  "messages",
  {
    conversationId: text("conversation_id").notNull(),
    seq: integer("seq").notNull(),
    clientId: text("client_id").notNull(),
    senderType: text("sender_type", { enum: ["customer", "staff", "system"] }).notNull(),
    senderId: text("sender_id").notNull(),
    kind: text("kind", { enum: ["text", "image", "voice", "emoji", "system"] }).notNull(),
    text: text("text"),
    mediaKey: text("media_key"),
    durationMs: integer("duration_ms"),
    flagged: integer("flagged", { mode: "boolean" }).notNull().default(false),
    sentAt: integer("sent_at").notNull(),
    readAt: integer("read_at"),
  },
  (t) => [
    primaryKey({ columns: [t.conversationId, t.seq] }),
    uniqueIndex("messages_client").on(t.conversationId, t.clientId),
    index("messages_sent").on(t.sentAt),
  ],
);

export const transfers = sqliteTable(
  "transfers",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    fromStaffId: text("from_staff_id").notNull(),
    toStaffId: text("to_staff_id").notNull(),
    byStaffId: text("by_staff_id").notNull(),
    reason: text("reason"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("transfers_conversation").on(t.conversationId)],
);

export const settings = sqliteTable("settings", {
  key: text("key").primaryKey(),
  value: text("value", { mode: "json" }).notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Quick replies (staff), push templates (subscribe messages) and auto replies (F013). */
export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    kind: text("kind", { enum: ["quick_reply", "push", "auto_reply"] }).notNull(),
    title: text("title").notNull(),
    content: text("content").notNull(),
    /** push: WeChat template id and field mapping; auto_reply: when it applies. */
    config: text("config", { mode: "json" }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    sort: integer("sort").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("templates_kind").on(t.kind, t.sort)],
);

/** Subscribe-message credits: each `accept` from wx.requestSubscribeMessage grants one later send. */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    customerId: text("customer_id").notNull(),
    templateId: text("template_id").notNull(),
    credits: integer("credits").notNull().default(0),
    /** The customer's latest answer for this template. */
    lastResult: text("last_result", { enum: ["accept", "reject", "ban", "filter"] }).notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.templateId] })],
);

/** Every attempt to push a staff reply to a customer as a subscribe message. */
export const pushes = sqliteTable(
  "pushes",
  {
    id: text("id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    customerId: text("customer_id").notNull(),
    staffId: text("staff_id").notNull(),
    messageSeq: integer("message_seq").notNull(),
    templateId: text("template_id").notNull(),
    /** pending while the call to WeChat is in flight. */
    status: text("status", { enum: ["pending", "sent", "failed", "rate_limited", "no_credit"] }).notNull(),
    errcode: integer("errcode"),
    summary: text("summary").notNull(),
    page: text("page"),
    /** The failed push this one retries by hand; each push is retried at most once. */
    retryOf: text("retry_of"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
    clickedAt: integer("clicked_at"),
  },
  (t) => [
    index("pushes_customer").on(t.customerId, t.createdAt),
    index("pushes_conversation").on(t.conversationId, t.createdAt),
    uniqueIndex("pushes_retry").on(t.retryOf),
  ],
);

/** Asynchronous content checks of customer images and voice (media_check_async), by WeChat's trace id. */
export const mediaChecks = sqliteTable(
  "media_checks",
  {
    traceId: text("trace_id").primaryKey(),
    conversationId: text("conversation_id").notNull(),
    seq: integer("seq").notNull(),
    mediaKey: text("media_key").notNull(),
    /** null until WeChat's wxa_media_check event arrives. */
    suggest: text("suggest", { enum: ["pass", "review", "risky"] }),
    label: integer("label"),
    createdAt: integer("created_at").notNull(),
    checkedAt: integer("checked_at"),
  },
  (t) => [index("media_checks_media").on(t.mediaKey), index("media_checks_conversation").on(t.conversationId)],
);

/** H5 entry links already redeemed (domain/auth/h5-entry.ts): a link works once. */
export const usedEntryLinks = sqliteTable(
  "used_entry_links",
  {
    jti: text("jti").primaryKey(),
    customerId: text("customer_id").notNull(),
    staffId: text("staff_id").notNull(),
    usedAt: integer("used_at").notNull(),
    /** After this the link is refused for its age anyway, so the row may go. */
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("used_entry_links_expires").on(t.expiresAt)],
);

/**
 * What statistics need of the messages of a conversation whose D1 copies the copy window removed
 * (domain/copy-window.ts): per hour (UTC, ms) and sender, the messages sent and the customer
 * turns that sender answered (counted in the hour the turn started), with their response times.
 */
export const messageRollups = sqliteTable(
  "message_rollups",
  {
    conversationId: text("conversation_id").notNull(),
    hour: integer("hour").notNull(),
    senderType: text("sender_type", { enum: ["customer", "staff"] }).notNull(),
    senderId: text("sender_id").notNull(),
    messages: integer("messages").notNull(),
    turns: integer("turns").notNull(),
    turnMs: integer("turn_ms").notNull(),
    firstTurns: integer("first_turns").notNull(),
    firstMs: integer("first_ms").notNull(),
  },
  (t) => [primaryKey({ columns: [t.conversationId, t.hour, t.senderType, t.senderId] }), index("message_rollups_hour").on(t.hour)],
);
