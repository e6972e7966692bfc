// The wire protocol: every WebSocket frame and every HTTP body shared by the
// worker, the rooms, the mini program, the H5 page and the admin.
// Types are derived from the schemas; nothing here is declared twice.
import * as z from "zod";

export * from "./settings";

/** Staff roles; a signed-in party is one of these or a customer. */
export const STAFF_ROLES = ["staff", "supervisor", "admin"] as const;
export const roleSchema = z.enum(STAFF_ROLES);
export type Role = z.infer<typeof roleSchema>;
export const principalRoleSchema = z.enum(["customer", ...STAFF_ROLES]);
export type PrincipalRole = z.infer<typeof principalRoleSchema>;
export const partySchema = z.enum(["customer", "staff", "system"]);
export type Party = z.infer<typeof partySchema>;
export const messageKindSchema = z.enum(["text", "image", "voice", "emoji", "system"]);
export type MessageKind = z.infer<typeof messageKindSchema>;
/** A conversation's statuses in the order it moves through them. */
const CONVERSATION_STATUSES = ["pending", "active", "ended"] as const;
export const conversationStatusSchema = z.enum(CONVERSATION_STATUSES);
export type ConversationStatus = z.infer<typeof conversationStatusSchema>;
/** A conversation only moves forward: of two reports of its status, the later one holds. */
export const laterStatus = (a: ConversationStatus, b: ConversationStatus): ConversationStatus =>
  CONVERSATION_STATUSES.indexOf(a) >= CONVERSATION_STATUSES.indexOf(b) ? a : b;
export const presenceSchema = z.enum(["online", "busy", "offline"]);
export type Presence = z.infer<typeof presenceSchema>;
export const sourceSchema = z.enum(["qr", "direct", "transfer"]);

/** Limits enforced on every frame and body. */
export const LIMITS = {
  textLength: 2000,
  clientIdLength: 64,
  emojiLength: 64,
  syncBatch: 200,
  pageSize: 200,
} as const;

export const clientIdSchema = z
  .string()
  .min(8)
  .max(LIMITS.clientIdLength)
  .regex(/^[A-Za-z0-9_-]+$/, "clientId 只能包含字母、数字、- 和 _");

export const mediaKeySchema = z
  .string()
  .max(200)
  .regex(/^media\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+$/, "无效的媒体标识");

// ---------- message content ----------
const textContent = z.object({
  kind: z.literal("text"),
  text: z.string().trim().min(1, "消息不能为空").max(LIMITS.textLength, `消息不能超过 ${LIMITS.textLength} 字`),
});
/** Code points an emoji sequence is made of (pictographs, flags, skin tones, ZWJ, VS16, keycaps, tags). */
const EMOJI_RANGES: [number, number][] = [
  [0x1f000, 0x1faff], [0x2600, 0x27bf], [0x2300, 0x23ff], [0x2b00, 0x2bff], [0x2190, 0x21ff], [0x25a0, 0x25ff],
  [0x2100, 0x214f], [0x203c, 0x203c], [0x2049, 0x2049], [0x3030, 0x3030], [0x303d, 0x303d], [0x3297, 0x3297],
  [0x3299, 0x3299], [0xa9, 0xa9], [0xae, 0xae], [0x200d, 0x200d], [0xfe0f, 0xfe0f], [0x20e3, 0x20e3], [0xe0020, 0xe007f],
];

/** Only emoji: no letters, digits or other text (a keycap digit needs its U+20E3). */
export function isEmojiOnly(text: string): boolean {
  const points = [...text].map((c) => c.codePointAt(0)!);
  return (
    points.length > 0 &&
    points.some((p) => p !== 0x200d && p !== 0xfe0f) &&
    points.every((p, i) => EMOJI_RANGES.some(([lo, hi]) => p >= lo && p <= hi) || (/[0-9#*]/.test(String.fromCodePoint(p)) && points.slice(i + 1, i + 3).includes(0x20e3)))
  );
}

const emojiContent = z.object({
  kind: z.literal("emoji"),
  text: z.string().min(1).max(LIMITS.emojiLength).refine(isEmojiOnly, "表情消息只能包含表情"),
});
const imageContent = z.object({
  kind: z.literal("image"),
  mediaKey: mediaKeySchema,
  width: z.number().int().positive().max(20000).optional(),
  height: z.number().int().positive().max(20000).optional(),
});
const voiceContent = z.object({
  kind: z.literal("voice"),
  mediaKey: mediaKeySchema,
  durationMs: z.number().int().min(0).max(10 * 60 * 1000),
});
export const messageContentSchema = z.discriminatedUnion("kind", [textContent, emojiContent, imageContent, voiceContent]);
export type MessageContent = z.infer<typeof messageContentSchema>;

// ---------- client → server frames ----------
export const sendFrameSchema = z.object({
  type: z.literal("send"),
  clientId: clientIdSchema,
  content: messageContentSchema,
});
export const readFrameSchema = z.object({ type: z.literal("read"), seq: z.number().int().min(0) });
export const syncFrameSchema = z.object({ type: z.literal("sync"), after: z.number().int().min(0) });
export const typingFrameSchema = z.object({ type: z.literal("typing") });
export const clientFrameSchema = z.discriminatedUnion("type", [
  sendFrameSchema,
  readFrameSchema,
  syncFrameSchema,
  typingFrameSchema,
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type SendFrame = z.infer<typeof sendFrameSchema>;

// ---------- shared records ----------
export const messageSchema = z.object({
  conversationId: z.string(),
  seq: z.number().int(),
  clientId: z.string(),
  sender: partySchema,
  senderId: z.string(),
  kind: messageKindSchema,
  text: z.string().nullable(),
  mediaKey: z.string().nullable(),
  durationMs: z.number().nullable(),
  flagged: z.boolean(),
  sentAt: z.number(),
  readAt: z.number().nullable(),
});
export type Message = z.infer<typeof messageSchema>;

/** What customers see of a staff member: not the staff code, which is their login name. */
export const staffCardSchema = z.object({
  id: z.string(),
  name: z.string(),
  avatar: z.string().nullable(),
  specialty: z.string().nullable(),
  department: z.string().nullable(),
  presence: presenceSchema,
});
export type StaffCard = z.infer<typeof staffCardSchema>;

export const conversationStateSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  staffId: z.string(),
  status: conversationStatusSchema,
  lastSeq: z.number().int(),
  /** Highest seq the customer has read (of staff messages). */
  customerReadSeq: z.number().int(),
  /** Highest seq the staff has read (of customer messages). */
  staffReadSeq: z.number().int(),
  endedAt: z.number().nullable(),
});
export type ConversationState = z.infer<typeof conversationStateSchema>;

export const inboxItemSchema = z.object({
  id: z.string(),
  customerId: z.string(),
  customerName: z.string().nullable(),
  customerAvatar: z.string().nullable(),
  staffId: z.string(),
  status: conversationStatusSchema,
  source: sourceSchema,
  createdAt: z.number(),
  lastMessageAt: z.number().nullable(),
  lastMessagePreview: z.string().nullable(),
  unread: z.number().int(),
  /** 待回复: open, and the customer's last message has no staff reply after it. */
  awaitingReply: z.boolean(),
});
export type InboxItem = z.infer<typeof inboxItemSchema>;
/** Query flag: only conversations awaiting a staff reply. */
const awaitingFlag = z.enum(["true", "false"]).transform((v) => v === "true").optional();

// ---------- server → client frames ----------
export const serverFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ack"), clientId: z.string(), seq: z.number().int(), sentAt: z.number(), duplicate: z.boolean() }),
  z.object({ type: z.literal("message"), message: messageSchema }),
  z.object({ type: z.literal("synced"), upTo: z.number().int(), more: z.boolean() }),
  z.object({ type: z.literal("read"), by: partySchema, seq: z.number().int(), at: z.number() }),
  z.object({ type: z.literal("typing"), by: partySchema }),
  z.object({
    type: z.literal("error"),
    code: z.string(),
    message: z.string(),
    clientId: z.string().optional(),
  }),
  z.object({ type: z.literal("conversation"), conversation: conversationStateSchema }),
  z.object({ type: z.literal("presence"), staffId: z.string(), presence: presenceSchema, load: z.number().int().optional() }),
  // Staff inbox feed (StaffRoom)
  z.object({ type: z.literal("inbox"), item: inboxItemSchema }),
  z.object({ type: z.literal("inbox-remove"), conversationId: z.string(), reason: z.enum(["transfer", "ended"]) }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;

// Staff room client frames: the status the staff member chooses; with no live socket they are offline whatever they chose.
export const staffStatusSchema = presenceSchema;
export type StaffStatus = z.infer<typeof staffStatusSchema>;
export const staffClientFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("status"), presence: staffStatusSchema }),
]);

/**
 * The error frame a room sends a socket whose session was revoked, just before closing it: the
 * client closes and reconnects at once, and the reconnect's ticket request gets the 401 that signs
 * the user out. Waiting for the close would take longer: the runtime drops the connection seconds
 * after a close frame of its own.
 */
export const SESSION_REVOKED = "session_revoked";
export const isRevocationFrame = (frame: unknown): boolean =>
  typeof frame === "object" && frame !== null && (frame as { type?: unknown }).type === "error" && (frame as { code?: unknown }).code === SESSION_REVOKED;

/**
 * Heartbeat of staff inbox sockets: the client sends `ping` every `intervalMs`; the room answers
 * `pong` without waking (a hibernation auto-response) and counts a socket silent for `deadAfterMs` as gone.
 */
export const HEARTBEAT = { ping: "ping", pong: "pong", intervalMs: 10_000, deadAfterMs: 20_000 } as const;
export type StaffClientFrame = z.infer<typeof staffClientFrameSchema>;

/** Error codes carried by error frames and HTTP error bodies, each with the one HTTP status it answers with. */
export const ERROR_STATUS = {
  bad_request: 400,
  bad_frame: 400,
  wechat_error: 400,
  unauthorized: 401,
  forbidden: 403,
  /** TOTP is required and the account has none yet: set it up (POST /api/auth/staff/totp/setup) and log in with it. */
  totp_setup_required: 403,
  not_found: 404,
  conflict: 409,
  conversation_ended: 409,
  too_large: 413,
  unsupported_media: 415,
  content_risky: 422,
  rate_limited: 429,
  internal: 500,
  no_staff: 503,
  wechat_unavailable: 503,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;
export const errorBodySchema = z.object({ code: z.string(), message: z.string() });
export type ErrorBody = z.infer<typeof errorBodySchema>;

// ---------- HTTP bodies ----------
export const customerLoginSchema = z.object({ code: z.string().min(1).max(128) });
export const guestLoginSchema = z.object({ deviceId: z.string().min(8).max(64).regex(/^[A-Za-z0-9_-]+$/) });
export const staffLoginSchema = z.object({
  code: z.string().min(1).max(32),
  password: z.string().min(1).max(128),
  totp: z.string().regex(/^\d{6}$/, "动态码为 6 位数字").optional(),
  /** Enrolment at login when TOTP is required and not set up yet: the secret from totp/setup, confirmed by `totp`. */
  totpSecret: z.string().regex(/^[A-Z2-7]{16,128}$/, "无效的密钥").optional(),
});
/** Staff code and password, to propose a TOTP secret before the first login when TOTP is required. */
export const staffTotpSetupSchema = z.object({ code: z.string().min(1).max(32), password: z.string().min(1).max(128) });
/** WeChat login of a bound staff account: the wx.login code, and the TOTP code when the account has one. */
export const staffWechatLoginSchema = customerLoginSchema.extend({ totp: staffLoginSchema.shape.totp });
/** `POST /api/auth/ticket`: a minute-long credential for one socket upgrade URL (`?ticket=`). */
export const socketTicketSchema = z.object({ ticket: z.string(), expiresAt: z.number() });
export type SocketTicket = z.infer<typeof socketTicketSchema>;
/** Signed URLs for media, QR codes and downloads (`POST /api/signed-urls`): relative paths with `?sig=`. */
export const signedUrlsRequestSchema = z.object({ paths: z.array(z.string().min(1).max(300)).min(1).max(100) });
export const signedUrlsSchema = z.object({ urls: z.record(z.string(), z.string()), expiresAt: z.number() });
export type SignedUrls = z.infer<typeof signedUrlsSchema>;
export const loginResultSchema = z.object({
  token: z.string(),
  expiresAt: z.number(),
  role: principalRoleSchema,
  id: z.string(),
});
export type LoginResult = z.infer<typeof loginResultSchema>;

/** The scene of an exclusive QR code: at most 32 visible characters (WeChat's limit). */
export const sceneSchema = z.string().regex(/^[\x21-\x7e]{1,32}$/, "scene 最多 32 个可见字符");
export const entryRequestSchema = z.object({ scene: sceneSchema.optional() });

// H5 production sign-in (README "Go live on WeChat" → H5 page).
/** `POST /api/auth/h5/wechat/start`: where to send the browser for WeChat web authorization. */
export const h5WechatStartSchema = entryRequestSchema;
export const h5WechatStartResultSchema = z.object({ url: z.string(), state: z.string() });
export type H5WechatStartResult = z.infer<typeof h5WechatStartResultSchema>;
/** `POST /api/auth/h5/wechat`: the code and state WeChat sent back to the H5 page. */
export const h5WechatLoginSchema = z.object({ code: z.string().min(1).max(128), state: z.string().min(1).max(128) });
/** `POST /api/auth/h5/link`: an entry link's credential (`?link=`). */
export const h5LinkLoginSchema = z.object({ link: z.string().min(1).max(1024) });
/** The login, and the staff code to enter with (the link's staff member). */
export const h5LinkLoginResultSchema = loginResultSchema.extend({ scene: z.string() });
export type H5LinkLoginResult = z.infer<typeof h5LinkLoginResultSchema>;
/** `POST /api/customers/:id/h5-link`: a one-time H5 entry link for that customer. */
export const h5EntryLinkSchema = z.object({ url: z.string(), expiresAt: z.number() });
export type H5EntryLink = z.infer<typeof h5EntryLinkSchema>;
export const entryResultSchema = z.object({
  conversationId: z.string(),
  staff: staffCardSchema,
  status: conversationStatusSchema,
  continued: z.boolean(),
  source: sourceSchema,
  /** The assigned staff member is the customer's exclusive one (the card says so; it shows no staff code). */
  exclusive: z.boolean(),
});
export type EntryResult = z.infer<typeof entryResultSchema>;

export const transferRequestSchema = z.object({
  toStaffId: z.string().min(1).max(64),
  reason: z.string().max(200).optional(),
});

export const inboxQuerySchema = z.object({
  status: conversationStatusSchema.optional(),
  from: z.coerce.number().int().min(0).optional(),
  to: z.coerce.number().int().min(0).optional(),
  staffId: z.string().max(64).optional(),
  awaiting: awaitingFlag,
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(50),
  before: z.coerce.number().int().min(0).optional(),
});
/** A page of the customer's earlier conversations: `before` is the `next` of the previous page. */
export const earlierQuerySchema = z.object({
  before: z.string().regex(/^[\w-]{1,64}:\d{1,9}$/, "before 格式应为 会话ID:序号").optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(30),
});
export const earlierPageSchema = z.object({ messages: z.array(messageSchema), next: z.string().nullable() });
export type EarlierPage = z.infer<typeof earlierPageSchema>;
export const historyQuerySchema = z.object({
  before: z.coerce.number().int().min(1).optional(),
  after: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(50),
});

export const mediaUploadResultSchema = z.object({
  key: mediaKeySchema,
  kind: z.enum(["image", "voice"]),
  contentType: z.string(),
  size: z.number(),
});
export type MediaUploadResult = z.infer<typeof mediaUploadResultSchema>;

/** Parse a raw socket frame; returns the frame or a human-readable reason. */
export function parseFrame<T>(
  schema: z.ZodType<T>,
  raw: unknown,
): { ok: true; frame: T } | { ok: false; message: string } {
  let data: unknown;
  try {
    data = typeof raw === "string" ? JSON.parse(raw) : raw;
  } catch {
    return { ok: false, message: "帧不是有效的 JSON" };
  }
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, frame: result.data };
  return { ok: false, message: describeZodError(result.error) };
}

export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "格式错误";
  const path = issue.path.join(".");
  return path ? `${path}: ${issue.message}` : issue.message;
}

/** Short text shown in inbox lists and push summaries. */
export function previewOf(content: { kind: MessageKind; text?: string | null }): string {
  switch (content.kind) {
    case "image":
      return "[图片]";
    case "voice":
      return "[语音]";
    case "emoji":
      return content.text ?? "[表情]";
    default:
      return content.text ?? "";
  }
}

export const ratingRequestSchema = z.object({
  score: z.number().int().min(1, "评分为 1 到 5 星").max(5, "评分为 1 到 5 星"),
  comment: z.string().trim().max(500).optional(),
});
/** Staff mark how a conversation went (statistics: resolution and conversion rates). */
export const outcomeRequestSchema = z
  .object({ resolved: z.boolean().optional(), converted: z.boolean().optional() })
  .refine((v) => v.resolved !== undefined || v.converted !== undefined, "至少提供 resolved 或 converted");

export const customerProfileSchema = z.object({
  id: z.string(),
  nickname: z.string().nullable(),
  avatar: z.string().nullable(),
  phone: z.string().nullable(),
  tags: z.array(z.string()),
  note: z.string().nullable(),
  exclusiveStaffId: z.string().nullable(),
  createdAt: z.number(),
  lastActiveAt: z.number(),
});
export type CustomerProfile = z.infer<typeof customerProfileSchema>;
export const customerPatchSchema = z
  .object({
    tags: z.array(z.string().trim().min(1).max(20)).max(20).optional(),
    note: z.string().max(1000).nullable().optional(),
    phone: z
      .string()
      .regex(/^\+?[0-9 -]{5,20}$/, "电话号码格式不正确")
      .nullable()
      .optional(),
    nickname: z.string().trim().min(1).max(32).optional(),
  })
  .strict();

export const templateKindSchema = z.enum(["quick_reply", "push", "auto_reply"]);
export const templateSchema = z.object({
  id: z.string(),
  kind: templateKindSchema,
  title: z.string(),
  content: z.string(),
  config: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  sort: z.number().int(),
});
export type Template = z.infer<typeof templateSchema>;

// ---------- WeChat: subscribe messages, pushes, QR codes ----------
/** One answer of wx.requestSubscribeMessage for a template. */
export const subscribeResultSchema = z.enum(["accept", "reject", "ban", "filter"]);
export type SubscribeResult = z.infer<typeof subscribeResultSchema>;
export const wechatTemplateIdSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, "无效的模板 ID");
/**
 * POST /api/subscriptions: `{ results: { [templateId]: "accept" | "reject" | "ban" | "filter" } }`.
 * The raw result of wx.requestSubscribeMessage also carries `errMsg`; it is ignored.
 */
export const subscriptionRequestSchema = z.object({
  results: z.preprocess(
    (v) => (typeof v === "object" && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== "errMsg")) : v),
    z
      .record(wechatTemplateIdSchema, subscribeResultSchema)
      .refine((r) => Object.keys(r).length >= 1 && Object.keys(r).length <= 20, "results 需包含 1 到 20 个模板"),
  ),
});
export const subscriptionStateSchema = z.object({
  templateId: z.string(),
  /** Sends left: each accept grants one. */
  credits: z.number().int(),
  /** The latest answer, null when the customer was never asked. */
  lastResult: subscribeResultSchema.nullable(),
  updatedAt: z.number().nullable(),
});
export type SubscriptionState = z.infer<typeof subscriptionStateSchema>;
/** GET /api/subscriptions: the templates the mini program should ask for, and the customer's state of each. */
export const subscriptionsResultSchema = z.object({
  templateIds: z.array(z.string()),
  subscriptions: z.array(subscriptionStateSchema),
});
export type SubscriptionsResult = z.infer<typeof subscriptionsResultSchema>;

/**
 * Subscribe-message keyword types this system can fill. WeChat reads a data key's type from its
 * name (`thing1`, `name2`, `phrase3`, `time4` …) and refuses (47003) a value that breaks that
 * type's rule; domain/wechat/keywords.ts formats each value for its key's type.
 */
export const TEXT_KEYWORD_TYPES = ["thing", "name", "phrase", "character_string", "letter", "symbol", "number", "phone_number"] as const;
export const TIME_KEYWORD_TYPES = ["time", "date"] as const;
export type KeywordType = (typeof TEXT_KEYWORD_TYPES)[number] | (typeof TIME_KEYWORD_TYPES)[number];
const keywordKey = (types: readonly string[]) =>
  z
    .string()
    .max(32)
    .regex(new RegExp(`^(${types.join("|")})\\d{1,3}$`), `关键词须为 ${types.join("/")} 加序号，如 ${types[0]}1`);

/** Config of a `push` template (templates table): WeChat template id and which data key (and so which keyword type) holds what. */
export const pushTemplateConfigSchema = z.object({
  templateId: wechatTemplateIdSchema,
  fields: z
    .object({
      /** Key of the sender's name, e.g. `thing1` or `name1`. */
      sender: keywordKey(TEXT_KEYWORD_TYPES),
      /** Key of the message summary, e.g. `thing2`. */
      summary: keywordKey(TEXT_KEYWORD_TYPES),
      /** Key of the reply time, e.g. `time3` or `date3`. */
      time: keywordKey(TIME_KEYWORD_TYPES),
    })
    .partial()
    .default({}),
});
export type PushTemplateConfig = z.infer<typeof pushTemplateConfigSchema>;

/** GET /api/pushes/arrival: pushes attempted in a time range, sent, and why the rest failed. */
export const pushArrivalSchema = z.object({
  from: z.number(),
  to: z.number(),
  attempted: z.number().int(),
  sent: z.number().int(),
  /** sent / attempted; null when nothing was attempted. */
  rate: z.number().nullable(),
  /** The customer had no subscribe credit left. */
  noCredit: z.number().int(),
  /** The per-customer hourly push limit was reached. */
  rateLimited: z.number().int(),
  /** Still waiting for WeChat's answer. */
  pending: z.number().int(),
  /** WeChat refused (by errcode, e.g. 43101) or could not be reached ("unreachable"). */
  wechatErrors: z.record(z.string(), z.number().int()),
});
export type PushArrival = z.infer<typeof pushArrivalSchema>;

export const pushStatusSchema = z.enum(["pending", "sent", "failed", "rate_limited", "no_credit"]);
export const pushRecordSchema = z.object({
  id: z.string(),
  conversationId: z.string(),
  customerId: z.string(),
  staffId: z.string(),
  messageSeq: z.number().int(),
  templateId: z.string(),
  status: pushStatusSchema,
  /** WeChat's errcode of a failed send; null when WeChat was unreachable or not called. */
  errcode: z.number().int().nullable(),
  summary: z.string(),
  page: z.string().nullable(),
  retryOf: z.string().nullable(),
  /** A failed push that was not retried yet (only the first attempt can be retried, once). */
  retryable: z.boolean(),
  createdAt: z.number(),
  sentAt: z.number().nullable(),
  clickedAt: z.number().nullable(),
});
export type PushRecord = z.infer<typeof pushRecordSchema>;
/** Mini program page a push opens, and its query: `pages/chat/chat?conversationId=…&pushId=…`. */
export const PUSH_PAGE = "pages/chat/chat";
export const pushPageQuerySchema = z.object({ conversationId: z.string().min(1), pushId: z.string().min(1).optional() });

/** Mini program page an exclusive QR code opens; it reads `decodeURIComponent(query.scene)`. */
export const QR_ENTRY_PAGE = "pages/entry/entry";
/** A mini program code's scene: at most 32 characters from WeChat's allowed set. */
export const qrSceneSchema = z
  .string()
  .regex(/^[0-9A-Za-z!#$&'()*+,/:;=?@\-._~]{1,32}$/, "工号需为 1 到 32 个字母、数字或 !#$&'()*+,/:;=?@-._~ 字符，才能生成小程序码");
export const staffQrcodeResultSchema = z.object({
  staffId: z.string(),
  scene: z.string(),
  page: z.string(),
  /** Download path of the stored PNG (GET, supervisors and admins). */
  url: z.string(),
  h5Url: z.string(),
});
export type StaffQrcodeResult = z.infer<typeof staffQrcodeResultSchema>;

// ---------- admin (PC console: staff, monitor, conversations, statistics, templates) ----------
export const staffCodeSchema = z.string().trim().regex(/^[A-Za-z0-9_-]{2,32}$/, "工号为 2 到 32 位字母、数字、- 或 _");
export const passwordSchema = z.string().min(6, "密码至少 6 位").max(128, "密码最多 128 位");
const optionalText = (max: number) => z.string().trim().max(max, `最多 ${max} 个字`).nullable();
const staffFields = {
  name: z.string().trim().min(1, "请填写姓名").max(32, "姓名最多 32 个字"),
  role: roleSchema,
  groupId: z.string().max(64).nullable(),
  isDefault: z.boolean(),
  isOnDuty: z.boolean(),
  department: optionalText(32),
  specialty: optionalText(64),
  avatar: optionalText(500),
};
export const staffCreateSchema = z
  .object({ code: staffCodeSchema, password: passwordSchema, ...staffFields })
  .partial({ role: true, groupId: true, isDefault: true, isOnDuty: true, department: true, specialty: true, avatar: true })
  .strict();
export const staffPatchSchema = z
  .object({ ...staffFields, disabled: z.boolean() })
  .partial()
  .strict();
export const passwordResetSchema = z.object({ password: passwordSchema }).strict();
/** `POST /api/auth/staff/password`: a staff member changes their own password. */
export const passwordChangeSchema = z.object({ currentPassword: z.string().min(1, "请输入当前密码").max(128), newPassword: passwordSchema }).strict();
export const adminStaffSchema = z.object({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  avatar: z.string().nullable(),
  department: z.string().nullable(),
  specialty: z.string().nullable(),
  role: roleSchema,
  groupId: z.string().nullable(),
  isDefault: z.boolean(),
  isOnDuty: z.boolean(),
  disabled: z.boolean(),
  presence: presenceSchema,
  totpEnabled: z.boolean(),
  /** Open (pending or active) conversations assigned to the staff member. */
  load: z.number().int(),
  createdAt: z.number(),
});
export type AdminStaff = z.infer<typeof adminStaffSchema>;
export const groupBodySchema = z.object({ name: z.string().trim().min(1, "请填写组名").max(32, "组名最多 32 个字") }).strict();
export const groupSchema = z.object({ id: z.string(), name: z.string(), members: z.number().int(), createdAt: z.number() });
export type Group = z.infer<typeof groupSchema>;
export const onDutySchema = z.object({ staffIds: z.array(z.string().max(64)).max(500) }).strict();

/** TOTP setup: the server proposes a secret; the client confirms it with a code from the app. */
export const totpSetupSchema = z.object({ secret: z.string(), uri: z.string() });
export const totpEnableSchema = z
  .object({
    secret: z.string().regex(/^[A-Z2-7]{16,128}$/, "无效的密钥"),
    code: z.string().regex(/^\d{6}$/, "动态码为 6 位数字"),
  })
  .strict();

/** Live monitor (MonitorRoom): one entry per enabled staff member. */
export const monitorEntrySchema = z.object({
  staffId: z.string(),
  code: z.string(),
  name: z.string(),
  role: roleSchema,
  groupId: z.string().nullable(),
  presence: presenceSchema,
  load: z.number().int(),
});
export type MonitorEntry = z.infer<typeof monitorEntrySchema>;
export const monitorFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("monitor"), staff: z.array(monitorEntrySchema) }),
  z.object({ type: z.literal("monitor-update"), entry: monitorEntrySchema }),
]);
export type MonitorFrame = z.infer<typeof monitorFrameSchema>;

const optionalTime = z.coerce.number().int().min(0).optional();
export const conversationSearchSchema = z.object({
  /** Conversations started (first message) at or after `from` and before `to`, ms. */
  from: optionalTime,
  to: optionalTime,
  staffId: z.string().max(64).optional(),
  /** Customer id, nickname or phone (substring). */
  customer: z.string().trim().max(64).optional(),
  /** Text in a message (substring): searches D1's message copies, i.e. the copy window (settings.messageCopyDays). */
  keyword: z.string().trim().max(100).optional(),
  status: conversationStatusSchema.optional(),
  awaiting: awaitingFlag,
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ConversationSearch = z.infer<typeof conversationSearchSchema>;
export const adminConversationSchema = inboxItemSchema.extend({
  customerPhone: z.string().nullable(),
  staffName: z.string().nullable(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  endReason: z.string().nullable(),
  rating: z.number().int().nullable(),
  ratingComment: z.string().nullable(),
  resolved: z.boolean(),
  converted: z.boolean(),
  messageCount: z.number().int(),
});
export type AdminConversation = z.infer<typeof adminConversationSchema>;
/** Lines of the NDJSON export stream: a header with the total, one line per conversation, an end marker. */
export const exportLineSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("meta"), total: z.number().int(), generatedAt: z.number() }),
  z.object({ type: z.literal("conversation"), conversation: adminConversationSchema, messages: z.array(messageSchema) }),
  z.object({ type: z.literal("end"), count: z.number().int() }),
]);
export type ExportLine = z.infer<typeof exportLineSchema>;

export const customerSearchSchema = z.object({
  q: z.string().trim().max(64).optional(),
  tag: z.string().trim().max(20).optional(),
  staffId: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export const adminCustomerSchema = customerProfileSchema.extend({
  exclusiveStaffName: z.string().nullable(),
  conversationCount: z.number().int(),
});
export type AdminCustomer = z.infer<typeof adminCustomerSchema>;

export const statsQuerySchema = z
  .object({ from: z.coerce.number().int().min(0), to: z.coerce.number().int().min(1) })
  .refine((q) => q.from < q.to, "开始时间必须早于结束时间");
export const statsRowSchema = z.object({
  /** Staff id, group id, or "team". */
  key: z.string(),
  name: z.string(),
  customersServed: z.number().int(),
  messagesReplied: z.number().int(),
  /** Mean first response time in seconds (one decimal), null without any answered conversation. */
  firstResponseSeconds: z.number().nullable(),
  firstResponses: z.number().int(),
  /** Mean response time in seconds over every answered customer turn, null without any. */
  avgResponseSeconds: z.number().nullable(),
  responses: z.number().int(),
  conversations: z.number().int(),
  rated: z.number().int(),
  satisfied: z.number().int(),
  resolved: z.number().int(),
  converted: z.number().int(),
  /** Ratios 0..1, null when the denominator is 0. */
  satisfaction: z.number().nullable(),
  resolutionRate: z.number().nullable(),
  conversionRate: z.number().nullable(),
});
export type StatsRow = z.infer<typeof statsRowSchema>;
/** Service targets of the seed (7.2), drawn as reference lines. */
export const STATS_TARGETS = { firstResponseSeconds: 300, avgResponseSeconds: 180, satisfaction: 0.9, resolutionRate: 0.85 } as const;
export const statsResultSchema = z.object({
  from: z.number(),
  to: z.number(),
  staff: z.array(statsRowSchema),
  groups: z.array(statsRowSchema),
  team: statsRowSchema,
});
export type StatsResult = z.infer<typeof statsResultSchema>;

export const autoReplyConfigSchema = z
  .object({ trigger: z.enum(["new_conversation", "off_hours"], "触发条件为 new_conversation 或 off_hours") })
  .strict();
const templateCommon = {
  title: z.string().trim().min(1, "请填写标题").max(40, "标题最多 40 个字"),
  content: z.string().trim().min(1, "请填写内容").max(LIMITS.textLength, `内容最多 ${LIMITS.textLength} 字`),
  enabled: z.boolean().default(true),
  sort: z.number().int().min(0).max(9999).default(0),
};
export const templateBodySchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("quick_reply"), ...templateCommon, config: z.object({}).strict().default({}) }).strict(),
  z.object({ kind: z.literal("push"), ...templateCommon, config: pushTemplateConfigSchema }).strict(),
  z.object({ kind: z.literal("auto_reply"), ...templateCommon, config: autoReplyConfigSchema }).strict(),
]);
export type TemplateBody = z.infer<typeof templateBodySchema>;

// ---------- live queue (dashboard) ----------
/** `first`: the customer has had no staff reply yet; `again`: they wrote after the last reply. */
export const queueEntrySchema = z.object({
  conversationId: z.string(),
  customerName: z.string().nullable(),
  staffId: z.string(),
  staffName: z.string().nullable(),
  kind: z.enum(["first", "again"]),
  /** The customer's oldest unanswered message. */
  waitingSince: z.number(),
  preview: z.string().nullable(),
});
export type QueueEntry = z.infer<typeof queueEntrySchema>;
export const queueResultSchema = z.object({
  items: z.array(queueEntrySchema),
  counts: z.object({ first: z.number().int(), again: z.number().int() }),
});
export type QueueResult = z.infer<typeof queueResultSchema>;

// ---------- reports (statistics over time, satisfaction, push log) ----------
/** A period plus the time zone of its buckets (the browser's offset, minutes east of UTC). */
export const reportQuerySchema = z
  .object({
    from: z.coerce.number().int().min(0),
    to: z.coerce.number().int().min(1),
    bucket: z.enum(["day", "hour"]).default("day"),
    utcOffsetMinutes: z.coerce.number().int().min(-720).max(840).default(480),
  })
  .refine((q) => q.from < q.to, "开始时间必须早于结束时间")
  .refine((q) => q.bucket === "day" || q.to - q.from <= 7 * 86_400_000, "按小时统计最多 7 天");
export const seriesPointSchema = z.object({
  /** Bucket start (ms, UTC). */
  at: z.number(),
  conversations: z.number().int(),
  customerMessages: z.number().int(),
  staffMessages: z.number().int(),
  rated: z.number().int(),
  satisfied: z.number().int(),
  resolved: z.number().int(),
});
export type SeriesPoint = z.infer<typeof seriesPointSchema>;
export const seriesResultSchema = z.object({ bucket: z.enum(["day", "hour"]), points: z.array(seriesPointSchema) });
export type SeriesResult = z.infer<typeof seriesResultSchema>;
export const ratedConversationSchema = z.object({
  conversationId: z.string(),
  customerName: z.string().nullable(),
  staffName: z.string().nullable(),
  rating: z.number().int(),
  comment: z.string().nullable(),
  startedAt: z.number().nullable(),
});
export const satisfactionReportSchema = z.object({
  /** Count of ratings by score, index 0 = 1 star. */
  distribution: z.array(z.number().int()).length(5),
  rated: z.number().int(),
  items: z.array(ratedConversationSchema),
});
export type SatisfactionReport = z.infer<typeof satisfactionReportSchema>;
export const pushLogSchema = z.object({
  counts: z.record(pushStatusSchema, z.number().int()),
  /** Sent pushes divided by all finished attempts in the period; null without any. */
  arrivalRate: z.number().nullable(),
  items: z.array(pushRecordSchema.extend({ customerName: z.string().nullable(), staffName: z.string().nullable() })),
});
export type PushLog = z.infer<typeof pushLogSchema>;
