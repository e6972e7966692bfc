// Fixture conversations with exact timings for the admin tests (statistics, exports, UI).
const q = (v: string | number | null | undefined) =>
  v == null ? "NULL" : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`;

/** 10:00 Beijing time on Monday 5 January 2026. */
export const T0 = Date.UTC(2026, 0, 5, 2, 0, 0);

export type FixtureMessage = {
  /** Seconds after the conversation's base time. */
  at: number;
  /** "c" customer, a staff id, or "sys". */
  from: string;
  text: string;
  kind?: "text" | "image";
  mediaKey?: string;
  /** The content check flagged it (stored for staff review). */
  flagged?: boolean;
};
export type FixtureConversation = {
  id: string;
  customerId: string;
  staffId: string;
  base: number;
  status?: "active" | "ended";
  rating?: number;
  ratingComment?: string;
  resolved?: boolean;
  converted?: boolean;
  messages: FixtureMessage[];
};

export function customerSql(id: string, nickname: string, opts: { phone?: string; tags?: string[]; note?: string; exclusiveStaffId?: string } = {}): string {
  return `INSERT INTO users (id, openid, nickname, phone, tags, note, exclusive_staff_id, created_at, last_active_at) VALUES (${q(id)}, ${q(`openid-${id}`)}, ${q(nickname)}, ${q(opts.phone)}, ${q(JSON.stringify(opts.tags ?? []))}, ${q(opts.note)}, ${q(opts.exclusiveStaffId)}, ${T0 - 86_400_000}, ${T0});`;
}

export function conversationSql(c: FixtureConversation): string {
  const times = c.messages.map((m) => c.base + m.at * 1000);
  const last = c.messages.at(-1);
  const status = c.status ?? "ended";
  const rows = [
    `INSERT INTO conversations (id, customer_id, staff_id, status, source, created_at, started_at, ended_at, end_reason, last_seq, last_message_at, last_message_preview, rating, rating_comment, resolved, converted) VALUES (${q(c.id)}, ${q(c.customerId)}, ${q(c.staffId)}, ${q(status)}, 'direct', ${c.base}, ${times[0]}, ${status === "ended" ? times.at(-1)! + 60_000 : "NULL"}, ${status === "ended" ? "'staff'" : "NULL"}, ${c.messages.length}, ${times.at(-1)}, ${q(last?.kind === "image" ? "[图片]" : last?.text)}, ${q(c.rating)}, ${q(c.ratingComment)}, ${c.resolved ? 1 : 0}, ${c.converted ? 1 : 0});`,
  ];
  c.messages.forEach((m, i) => {
    const type = m.from === "c" ? "customer" : m.from === "sys" ? "system" : "staff";
    const sender = m.from === "c" ? c.customerId : m.from === "sys" ? "system" : m.from;
    const kind = m.kind ?? (type === "system" ? "system" : "text");
    rows.push(
      `INSERT INTO messages (conversation_id, seq, client_id, sender_type, sender_id, kind, text, media_key, flagged, sent_at) VALUES (${q(c.id)}, ${i + 1}, ${q(`${c.id}-m${i + 1}`)}, '${type}', ${q(sender)}, '${kind}', ${q(kind === "image" ? null : m.text)}, ${q(m.mediaKey)}, ${m.flagged ? 1 : 0}, ${times[i]});`,
    );
  });
  return rows.join("\n");
}

/**
 * Four conversations in the period [T0 - 1 h, T0 + 1 day) and one two days before it, with
 * response times chosen so that the expected statistics are easy to compute by hand
 * (see test/stats.test.ts).
 */
export const STATS_CONVERSATIONS: FixtureConversation[] = [
  {
    id: "c_s1",
    customerId: "u_a",
    staffId: "s_kf01",
    base: T0,
    rating: 5,
    resolved: true,
    converted: true,
    messages: [
      { at: 0, from: "c", text: "你好，我想咨询理财产品" },
      { at: 20, from: "c", text: "有稳健一点的吗？", flagged: true },
      { at: 90, from: "s_kf01", text: "您好，我们有三款稳健型产品" },
      { at: 200, from: "c", text: "收益率大概多少？" },
      { at: 260, from: "s_kf01", text: "年化约 3.2%" },
      { at: 270, from: "sys", text: "系统提示" },
      { at: 300, from: "c", text: "好的，我考虑一下" },
      { at: 420, from: "s_kf01", text: "好的，有问题随时找我" },
    ],
  },
  {
    id: "c_s2",
    customerId: "u_b",
    staffId: "s_kf01",
    base: T0 + 1000_000,
    rating: 3,
    resolved: true,
    messages: [
      { at: 0, from: "s_kf01", text: "您好，请问有什么可以帮您？" },
      { at: 10, from: "c", text: "我的订单还没发货" },
      { at: 310, from: "s_kf01", text: "已为您催促仓库发货" },
      { at: 400, from: "c", text: "谢谢" },
    ],
  },
  {
    id: "c_s3",
    customerId: "u_c",
    staffId: "s_kf02",
    base: T0 + 2000_000,
    rating: 4,
    converted: true,
    messages: [
      { at: 0, from: "c", text: "售后怎么申请？" },
      { at: 45, from: "s_kf02", text: "在订单页点击申请售后即可" },
      { at: 100, from: "c", text: "找到了" },
      { at: 130, from: "s_kf02", text: "好的" },
    ],
  },
  {
    id: "c_s4",
    customerId: "u_a",
    staffId: "s_vip01",
    base: T0 + 3000_000,
    resolved: true,
    messages: [
      { at: 0, from: "c", text: "我想了解大额存单" },
      { at: 101, from: "s_kf02", text: "我帮您转给专属顾问" },
      { at: 150, from: "sys", text: "会话已转接给 陈顾问" },
      { at: 200, from: "c", text: "好的" },
      { at: 262, from: "s_vip01", text: "您好，我是陈顾问" },
    ],
  },
  {
    id: "c_s0",
    customerId: "u_d",
    staffId: "s_kf01",
    base: T0 - 2 * 86_400_000,
    rating: 1,
    messages: [
      { at: 0, from: "c", text: "上周的问题" },
      { at: 10, from: "s_kf01", text: "收到" },
    ],
  },
];

export const STATS_PERIOD = { from: T0 - 3_600_000, to: T0 + 86_400_000 };

export const STATS_FIXTURE_SQL = [
  customerSql("u_a", "张女士", { phone: "13800000001", tags: ["VIP", "理财"], note: "偏好稳健型产品" }),
  customerSql("u_b", "李先生", { phone: "13800000002", tags: ["电商"] }),
  customerSql("u_c", "王同学"),
  customerSql("u_d", "赵先生"),
  `INSERT INTO staff_groups (id, name, created_at) VALUES ('g_vip', '大客户组', ${T0});`,
  `UPDATE staff SET group_id = 'g_vip' WHERE id = 's_vip01';`,
  ...STATS_CONVERSATIONS.map(conversationSql),
].join("\n");
