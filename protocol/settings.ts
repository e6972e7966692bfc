// System settings (F014) as every side sees them: the admin edits them, the server validates and stores them.
import * as z from "zod";

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "时间格式应为 HH:MM");

export const workingHoursSchema = z
  .object({
    enabled: z.boolean(),
    start: hhmm,
    end: hhmm,
    /** ISO weekdays, 1 = Monday … 7 = Sunday. */
    days: z.array(z.number().int().min(1).max(7)).max(7),
    /** Minutes east of UTC; China is +480. */
    utcOffsetMinutes: z.number().int().min(-720).max(840),
  })
  .strict();

const fields = {
  assignmentRule: z.enum(["exclusive_first", "least_load"]),
  workingHours: workingHoursSchema,
  pushPerHour: z.number().int("推送上限须为整数").min(0, "推送上限不能为负数").max(100, "推送上限每小时最多 100 条"),
  uploadMaxBytes: z.number().int().min(1024, "上传上限不能小于 1 KB").max(100 * 1024 * 1024, "上传上限不能超过 100 MB"),
  sessionTimeoutSeconds: z.number().int().min(1, "会话超时至少 1 秒").max(30 * 24 * 3600, "会话超时最长 30 天"),
  /** A visit (an entry without any customer message) is dropped this long after its last activity. */
  visitTimeoutSeconds: z.number().int().min(1, "访问超时至少 1 秒").max(24 * 3600, "访问超时最长 24 小时"),
  retentionDays: z.number().int().min(1).max(3650),
  /**
   * D1 keeps message copies (content search) for this many days after a conversation ends; the
   * rooms keep the whole history for retentionDays. README "Capacity" has the arithmetic.
   */
  messageCopyDays: z.number().int("消息副本天数须为整数").min(1, "消息副本至少保留 1 天").max(183, "消息副本最多保留 183 天"),
  /** Every staff account must sign in with a TOTP code (admins set one up for those without). */
  requireTotp: z.boolean(),
};

export const settingsSchema = z.object(fields);
export type Settings = z.infer<typeof settingsSchema>;
export const settingsPatchSchema = z.object(fields).partial().strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const DEFAULT_SETTINGS: Settings = {
  assignmentRule: "exclusive_first",
  workingHours: { enabled: true, start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5], utcOffsetMinutes: 480 },
  pushPerHour: 3,
  uploadMaxBytes: 10 * 1024 * 1024,
  sessionTimeoutSeconds: 24 * 3600,
  visitTimeoutSeconds: 30 * 60,
  retentionDays: 183,
  messageCopyDays: 1,
  requireTotp: false,
};
