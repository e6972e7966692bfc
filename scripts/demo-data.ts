// Bulk demo data for a first `npm start` on an empty database: customers, conversations over the
// last 30 days with messages, ratings and outcomes, pushes and templates, so every admin page
// shows something real. Deterministic (seeded random). Never used by the tests, never applied
// over existing data (see prepareDatabase in scripts/system.ts).
const DAY = 86_400_000;
const q = (v: string | number | null | undefined) => (v == null ? "NULL" : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`);

/** mulberry32: small and reproducible. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"];
const TITLES = ["女士", "先生"];
const TAGS = ["高净值", "新客户", "回头客", "理财", "保险", "基金", "投诉过", "VIP"];
const DIALOGUES: [string, string][][] = [
  [["你好，我想咨询一下理财产品", "您好！很高兴为您服务，请问您关注稳健型还是进取型的产品？"], ["稳健一点的，年化大概多少？", "稳健型产品近一年年化约 3.2%，可随时赎回。"], ["好的，我考虑一下", "好的，有任何问题随时联系我 😊"]],
  [["我的订单还没发货", "您好，麻烦提供一下订单号，我帮您查询。"], ["订单号 20260112883", "查到了，您的订单已出库，预计明天送达。"], ["谢谢！", "不客气，祝您生活愉快！"]],
  [["基金定投怎么开通？", "在小程序「我的-定投」里选择基金和扣款日即可开通。"], ["每月最少投多少？", "最低 100 元起投。"]],
  [["保险理赔需要哪些材料？", "需要身份证、病历和发票原件的照片，上传到理赔页面即可。"], ["大概多久到账？", "材料齐全后 3 个工作日内到账。"], ["好的", "👍"]],
  [["你们周末上班吗？", "工作日 9:00-18:00 在线，周末有值班客服。"]],
  [["账户登录不上去", "请问提示什么错误？可以截图给我看看。"], ["提示密码错误", "可以在登录页点「忘记密码」通过手机号重置。"], ["好了，可以了", "太好了，还有其他问题吗？"]],
];
const COMMENTS = ["回复很及时，谢谢", "解答得很专业", "态度很好", "等了有点久", "问题没有完全解决", null, null, null];
const STAFF = ["s_kf01", "s_kf02", "s_vip01"];

export function demoDataSql(now = Date.now()): string {
  const rnd = random(20260101);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const out: string[] = [];

  out.push(
    ...[
      ["t_demo_q1", "quick_reply", "问候", "您好，很高兴为您服务！请问有什么可以帮您？", "{}"],
      ["t_demo_q2", "quick_reply", "稍等", "好的，请稍等，我马上为您查询。", "{}"],
      ["t_demo_q3", "quick_reply", "结束语", "感谢您的咨询，祝您生活愉快！如有问题随时联系我。", "{}"],
      ["t_demo_q4", "quick_reply", "工作时间", "我们的在线时间是工作日 9:00-18:00，周末有值班客服。", "{}"],
      ["t_demo_a1", "auto_reply", "欢迎语", "您好，欢迎咨询！客服正在赶来，请稍候。", '{"trigger":"new_conversation"}'],
      ["t_demo_a2", "auto_reply", "非工作时间", "现在是非工作时间，您的留言我们会在上班后第一时间回复。", '{"trigger":"off_hours"}'],
    ].map(
      ([id, kind, title, content, config], i) =>
        `INSERT INTO templates (id, kind, title, content, config, enabled, sort, created_at, updated_at) VALUES (${q(id)}, ${q(kind)}, ${q(title)}, ${q(content)}, ${q(config)}, 1, ${i}, ${now - 30 * DAY}, ${now - 30 * DAY});`,
    ),
  );

  const customers = Array.from({ length: 36 }, (_, i) => {
    const id = `u_demo${String(i + 1).padStart(2, "0")}`;
    const tags = [...new Set([pick(TAGS), ...(rnd() < 0.4 ? [pick(TAGS)] : [])])];
    const name = `${pick(SURNAMES)}${pick(TITLES)}`;
    out.push(
      `INSERT INTO users (id, openid, nickname, phone, tags, note, exclusive_staff_id, created_at, last_active_at) VALUES (${q(id)}, ${q(`demo-openid-${i + 1}`)}, ${q(name)}, ${q(rnd() < 0.6 ? `138${String(Math.floor(rnd() * 1e8)).padStart(8, "0")}` : null)}, ${q(JSON.stringify(tags))}, ${q(rnd() < 0.3 ? "偏好电话沟通" : null)}, ${q(i % 9 === 0 ? "s_vip01" : null)}, ${now - 40 * DAY}, ${now});`,
    );
    return { id, name };
  });

  let pushN = 0;
  for (let n = 0; n < 140; n++) {
    const customer = pick(customers);
    const staffId = pick(STAFF);
    // The last few are today's and still open, some waiting for a reply (the live queue).
    const open = n >= 132;
    const start = open ? now - Math.floor(rnd() * 3 * 3600_000) - 600_000 : now - Math.floor(1 + rnd() * 29) * DAY - Math.floor(rnd() * 9 * 3600_000);
    const dialogue = pick(DIALOGUES);
    const waiting = open && n % 2 === 0;
    const id = `c_demo${String(n + 1).padStart(3, "0")}`;
    let at = start;
    let seq = 0;
    const rows: string[] = [];
    const message = (sender: "customer" | "staff", text: string) => {
      seq++;
      const kind = /^\p{Extended_Pictographic}+$/u.test(text) ? "emoji" : "text";
      rows.push(
        `INSERT INTO messages (conversation_id, seq, client_id, sender_type, sender_id, kind, text, media_key, duration_ms, flagged, sent_at, read_at) VALUES (${q(id)}, ${seq}, ${q(`demo-${id}-${seq}`)}, ${q(sender)}, ${q(sender === "customer" ? customer.id : staffId)}, ${q(kind)}, ${q(text)}, NULL, NULL, 0, ${at}, ${waiting && sender === "customer" ? "NULL" : at + 30_000});`,
      );
      return text;
    };
    let last = "";
    for (const [ask, answer] of dialogue) {
      last = message("customer", ask);
      at += 20_000 + Math.floor(rnd() * (rnd() < 0.15 ? 600_000 : 200_000));
      // Waiting customers: some still without any reply, the others asking again.
      if (waiting && (n % 4 === 0 || ask === dialogue[dialogue.length - 1][0])) break;
      last = message("staff", answer);
      at += 30_000 + Math.floor(rnd() * 120_000);
    }
    if (waiting) last = message("customer", "请问还在吗？");
    const rated = !open && rnd() < 0.65;
    const rating = rated ? (rnd() < 0.8 ? 4 + Math.round(rnd()) : 1 + Math.floor(rnd() * 3)) : null;
    const status = open ? "active" : "ended";
    const unread = waiting ? rows.filter((r) => r.includes("'customer'") && r.endsWith("NULL);")).length : 0;
    out.push(
      `INSERT INTO conversations (id, customer_id, staff_id, status, source, created_at, started_at, ended_at, end_reason, last_seq, last_message_at, last_message_preview, unread_staff, staff_read_seq, customer_read_seq, awaiting_reply, rating, rating_comment, resolved, converted) VALUES (${q(id)}, ${q(customer.id)}, ${q(staffId)}, ${q(status)}, ${q(staffId === "s_vip01" ? "qr" : "direct")}, ${start}, ${start}, ${open ? "NULL" : at + 120_000}, ${open ? "NULL" : "'staff'"}, ${seq}, ${at}, ${q(last)}, ${unread}, ${seq - unread}, ${seq}, ${waiting ? 1 : 0}, ${rating ?? "NULL"}, ${q(rated ? pick(COMMENTS) : null)}, ${!open && rnd() < 0.82 ? 1 : 0}, ${!open && rnd() < 0.25 ? 1 : 0});`,
      ...rows,
    );
    if (!open && rnd() < 0.35) {
      const r = rnd();
      const [status, errcode] = r < 0.75 ? ["sent", null] : r < 0.87 ? ["failed", 43101] : r < 0.93 ? ["failed", 47003] : ["no_credit", null];
      pushN++;
      out.push(
        `INSERT INTO pushes (id, conversation_id, customer_id, staff_id, message_seq, template_id, status, errcode, summary, page, retry_of, created_at, sent_at, clicked_at) VALUES (${q(`p_demo${pushN}`)}, ${q(id)}, ${q(customer.id)}, ${q(staffId)}, 2, 'TPL_REPLY', ${q(status as string)}, ${errcode ?? "NULL"}, ${q(dialogue[0][1].slice(0, 20))}, ${q(`pages/chat/chat?conversationId=${id}`)}, NULL, ${start + 60_000}, ${status === "sent" ? start + 61_000 : "NULL"}, ${status === "sent" && rnd() < 0.4 ? start + 600_000 : "NULL"});`,
      );
    }
  }
  // Each customer was last active in their latest conversation (the list shows it).
  out.push("UPDATE users SET last_active_at = COALESCE((SELECT max(last_message_at) FROM conversations WHERE customer_id = users.id), created_at) WHERE id LIKE 'u_demo%';");
  return out.join("\n");
}
