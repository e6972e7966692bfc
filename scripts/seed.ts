// Demo data for `npm start` and the tests: written as SQL and applied with wrangler.
import { hashPassword } from "../domain/auth/password";

export type SeedStaff = {
  id: string;
  code: string;
  name: string;
  password: string;
  role?: "staff" | "supervisor" | "admin";
  isDefault?: boolean;
  isOnDuty?: boolean;
  department?: string;
  specialty?: string;
  avatar?: string;
  totpSecret?: string;
};

export const DEMO_STAFF: SeedStaff[] = [
  { id: "s_admin", code: "admin", name: "系统管理员", password: "admin123", role: "admin", department: "运营部" },
  { id: "s_sup01", code: "sup01", name: "王主管", password: "demo123", role: "supervisor", department: "客服部" },
  { id: "s_kf01", code: "kf01", name: "小李", password: "demo123", isDefault: true, isOnDuty: true, department: "客服部", specialty: "售前咨询" },
  { id: "s_kf02", code: "kf02", name: "小张", password: "demo123", isDefault: true, department: "客服部", specialty: "售后服务" },
  { id: "s_vip01", code: "vip01", name: "陈顾问", password: "demo123", department: "大客户部", specialty: "专属理财顾问" },
];

const q = (v: string | null | undefined) => (v == null ? "NULL" : `'${v.replace(/'/g, "''")}'`);

export async function staffSql(list: SeedStaff[], now = Date.now()): Promise<string> {
  const rows = await Promise.all(
    list.map(async (s) => {
      const avatar = s.avatar ?? `/avatars/${(s.code.charCodeAt(s.code.length - 1) % 6) + 1}.svg`;
      return `INSERT INTO staff (id, code, name, avatar, department, specialty, role, is_default, is_on_duty, password_hash, totp_secret, totp_enabled, created_at) VALUES (${q(s.id)}, ${q(s.code)}, ${q(s.name)}, ${q(avatar)}, ${q(s.department)}, ${q(s.specialty)}, ${q(s.role ?? "staff")}, ${s.isDefault ? 1 : 0}, ${s.isOnDuty ? 1 : 0}, ${q(await hashPassword(s.password))}, ${q(s.totpSecret)}, ${s.totpSecret ? 1 : 0}, ${now});`;
    }),
  );
  return rows.join("\n");
}

export function settingSql(key: string, value: unknown, now = Date.now()): string {
  return `INSERT INTO settings (key, value, updated_at) VALUES (${q(key)}, ${q(JSON.stringify(value))}, ${now}) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at;`;
}

export async function demoSeedSql(): Promise<string> {
  return [
    await staffSql(DEMO_STAFF),
    `INSERT INTO staff_groups (id, name, created_at) VALUES ('g_service', '客服一组', ${Date.now()});`,
    `UPDATE staff SET group_id = 'g_service' WHERE id IN ('s_kf01', 's_kf02', 's_vip01');`,
    settingSql("workingHours", { enabled: true, start: "09:00", end: "18:00", days: [1, 2, 3, 4, 5], utcOffsetMinutes: 480 }),
  ].join("\n");
}
