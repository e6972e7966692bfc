// Admin API beyond the UI flows: validation, groups, TOTP setup and the requirement setting,
// customers, templates, conversation search and the export stream, and the live monitor's load.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { totpCode } from "../domain/auth/totp";
import { type ExportLine, exportLineSchema, type MonitorFrame } from "../protocol";
import { STATS_CONVERSATIONS, STATS_FIXTURE_SQL, STATS_PERIOD, T0 } from "./admin-fixtures";
import { ALWAYS_WORKING, api, chatClient, enter, eventually, loginCustomer, loginStaff, RawSocket, useTestSystem, staffCodeOf } from "./harness";

let admin: string;
const sys = useTestSystem({ extraSql: `${STATS_FIXTURE_SQL}\n${ALWAYS_WORKING}` }, async () => {
  admin = (await loginStaff(sys, "admin", "admin123")).token;
});

describe("admin API", () => {
  it("answers statistics for a period to supervisors and rejects a bad period", async () => {
    // The figures themselves are checked in test/unit/stats.test.ts.
    const sup = await loginStaff(sys, "sup01");
    const res = await api(sys, `/api/admin/stats?from=${STATS_PERIOD.from}&to=${STATS_PERIOD.to}`, { token: sup.token });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.team.messagesReplied, res.body.team.responses], [9, 8]);
    const bad = await api(sys, `/api/admin/stats?from=2000&to=1000`, { token: sup.token });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /开始时间必须早于结束时间/);
  });

  it("validates staff accounts and keeps admins from locking themselves out", async () => {
    const bad = await api(sys, "/api/admin/staff", { token: admin, body: { code: "a", name: "", password: "1" } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^code: 工号为 2 到 32 位/);
    const dup = await api(sys, "/api/admin/staff", { token: admin, body: { code: "kf01", name: "重复", password: "123456" } });
    assert.equal(dup.status, 409);
    const noGroup = await api(sys, "/api/admin/staff", { token: admin, body: { code: "kf10", name: "新人", password: "123456", groupId: "g_none" } });
    assert.equal(noGroup.status, 400);
    const self = await api(sys, "/api/admin/staff/s_admin", { method: "PATCH", token: admin, body: { disabled: true } });
    assert.equal(self.status, 400);
    assert.equal(self.body.message, "不能停用自己的账号");

    const sup = await api(sys, "/api/admin/staff/s_kf01", { method: "PATCH", token: admin, body: { role: "supervisor", isOnDuty: false } });
    assert.equal(sup.status, 200);
    assert.equal(sup.body.staff.role, "supervisor");
    assert.equal((await loginStaff(sys, "kf01")).role, "supervisor");
    await api(sys, "/api/admin/staff/s_kf01", { method: "PATCH", token: admin, body: { role: "staff", isOnDuty: true } });

    const reset = await api(sys, "/api/admin/staff/s_kf02/password", { token: admin, body: { password: "newpass1" } });
    assert.equal(reset.status, 200);
    await loginStaff(sys, "kf02", "newpass1");
  });

  it("manages groups", async () => {
    const created = await api(sys, "/api/admin/groups", { token: admin, body: { name: "售后组" } });
    assert.equal(created.status, 201);
    const id = created.body.group.id;
    await api(sys, "/api/admin/staff/s_kf02", { method: "PATCH", token: admin, body: { groupId: id } });
    const list = await api(sys, "/api/admin/groups", { token: admin });
    assert.equal(list.body.groups.find((g: any) => g.id === id).members, 1);
    assert.equal((await api(sys, `/api/admin/groups/${id}`, { method: "DELETE", token: admin })).status, 200);
    const kf02 = (await api(sys, "/api/admin/staff", { token: admin })).body.staff.find((s: any) => s.code === "kf02");
    assert.equal(kf02.groupId, null);
  });

  it("sets up TOTP with a code from the app and can require it for every account", async () => {
    // Requiring TOTP before the admin has it would lock them out.
    const early = await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { requireTotp: true } });
    assert.equal(early.status, 400);
    const setup = await api(sys, "/api/admin/account/totp/setup", { method: "POST", token: admin });
    assert.match(setup.body.uri, /^otpauth:\/\/totp\/.*secret=/);
    const wrong = await api(sys, "/api/admin/account/totp", { token: admin, body: { secret: setup.body.secret, code: "000000" === totpCode(setup.body.secret) ? "111111" : "000000" } });
    assert.equal(wrong.status, 400);
    const ok = await api(sys, "/api/admin/account/totp", { token: admin, body: { secret: setup.body.secret, code: totpCode(setup.body.secret) } });
    assert.equal(ok.status, 200);
    const noCode = await api(sys, "/api/auth/staff", { body: { code: "admin", password: "admin123" } });
    assert.equal(noCode.status, 401);
    await loginStaff(sys, "admin", "admin123", totpCode(setup.body.secret));

    // An admin sets one up for a staff member (who scans it on the spot).
    const forVip = await api(sys, "/api/admin/staff/s_vip01/totp/setup", { method: "POST", token: admin });
    await api(sys, "/api/admin/staff/s_vip01/totp", { token: admin, body: { secret: forVip.body.secret, code: totpCode(forVip.body.secret) } });

    assert.equal((await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { requireTotp: true } })).status, 200);
    const refused = await api(sys, "/api/auth/staff", { body: { code: "sup01", password: "demo123" } });
    assert.equal(refused.status, 403);
    assert.match(refused.body.message, /动态验证码/);
    await loginStaff(sys, "vip01", "demo123", totpCode(forVip.body.secret));
    assert.equal((await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { requireTotp: false } })).status, 200);
    await loginStaff(sys, "sup01");
  });

  it("validates templates by kind", async () => {
    const push = await api(sys, "/api/admin/templates", {
      token: admin,
      body: { kind: "push", title: "回复提醒", content: "客服回复了您", config: { templateId: "TPL_REPLY", fields: { sender: "thing1", summary: "thing2", time: "time3" } } },
    });
    assert.equal(push.status, 201, JSON.stringify(push.body));
    const missing = await api(sys, "/api/admin/templates", { token: admin, body: { kind: "push", title: "x", content: "y", config: {} } });
    assert.equal(missing.status, 400);
    assert.match(missing.body.message, /^config\.templateId/);
    const auto = await api(sys, "/api/admin/templates", { token: admin, body: { kind: "auto_reply", title: "下班", content: "现在是非工作时间", config: { trigger: "off_hours" } } });
    assert.equal(auto.status, 201);
    const edited = await api(sys, `/api/admin/templates/${auto.body.template.id}`, {
      method: "PUT",
      token: admin,
      body: { kind: "auto_reply", title: "下班", content: "值班客服稍后回复", enabled: false, config: { trigger: "off_hours" } },
    });
    assert.equal(edited.body.template.enabled, false);
    const list = await api(sys, "/api/admin/templates?kind=auto_reply", { token: admin });
    assert.deepEqual(list.body.templates.map((t: any) => t.content), ["值班客服稍后回复"]);
    assert.equal((await api(sys, `/api/admin/templates/${push.body.template.id}`, { method: "DELETE", token: admin })).status, 200);
  });

  it("searches customers by text and tag and shows the staff relation", async () => {
    const byPhone = await api(sys, "/api/admin/customers?q=13800000002", { token: admin });
    assert.deepEqual(byPhone.body.items.map((c: any) => c.nickname), ["李先生"]);
    const byTag = await api(sys, `/api/admin/customers?tag=${encodeURIComponent("理财")}`, { token: admin });
    assert.deepEqual(byTag.body.items.map((c: any) => c.id), ["u_a"]);
    const detail = await api(sys, "/api/admin/customers/u_a", { token: admin });
    assert.equal(detail.body.customer.note, "偏好稳健型产品");
    assert.deepEqual(detail.body.staff.map((s: any) => [s.staffId, s.conversations]).sort(), [["s_kf01", 1], ["s_vip01", 1]]);
    assert.deepEqual(detail.body.conversations.map((c: any) => c.id), ["c_s4", "c_s1"]);
  });

  it("searches conversations and streams an export", async () => {
    const q = `from=${T0}&to=${T0 + 86_400_000}&staffId=s_kf01`;
    const found = await api(sys, `/api/admin/conversations?${q}`, { token: admin });
    assert.deepEqual(found.body.items.map((c: any) => c.id), ["c_s2", "c_s1"]);
    const byName = await api(sys, `/api/admin/conversations?customer=${encodeURIComponent("张")}`, { token: admin });
    assert.deepEqual(byName.body.items.map((c: any) => c.id).sort(), ["c_s1", "c_s4"]);
    const bad = await api(sys, "/api/admin/conversations?status=open", { token: admin });
    assert.equal(bad.status, 400);

    const res = await fetch(`${sys.url}/api/admin/conversations/export`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(res.headers.get("content-type"), "application/x-ndjson; charset=utf-8");
    const lines: ExportLine[] = (await res.text()).trim().split("\n").map((l) => exportLineSchema.parse(JSON.parse(l)));
    assert.deepEqual(lines[0].type === "meta" && lines[0].total, STATS_CONVERSATIONS.length);
    const s1 = lines.find((l) => l.type === "conversation" && l.conversation.id === "c_s1");
    assert.ok(s1 && s1.type === "conversation");
    assert.equal(s1.messages.length, 8);
    assert.equal(s1.messages[0].text, "你好，我想咨询理财产品");
    assert.deepEqual(lines.at(-1), { type: "end", count: STATS_CONVERSATIONS.length });
  });

  it("pushes load changes to the monitor without polling", async () => {
    const monitor = new RawSocket(sys, "/parties/monitor-room/main", admin);
    await monitor.opened;
    const frames = () => monitor.frames as unknown as MonitorFrame[];
    await eventually(() => frames().some((f) => f.type === "monitor"), 10_000, "snapshot");
    const kf01 = await loginStaff(sys, "kf01");
    const online = new RawSocket(sys, `/parties/staff-room/${kf01.id}`, kf01.token);
    await online.opened;
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    assert.equal(staffCodeOf(entry.staff), "kf01");
    const chat = chatClient(sys, entry.conversationId, customer);
    await eventually(() => chat.open, 10_000, "chat open");
    chat.send({ kind: "text", text: "在吗？" });
    const loaded = (f: MonitorFrame) => f.type === "monitor-update" && f.entry.staffId === "s_kf01" && f.entry.load === 1 && f.entry.presence === "online";
    await eventually(() => frames().some(loaded), 10_000, "load 1 pushed");
    await api(sys, `/api/conversations/${entry.conversationId}/end`, { method: "POST", token: kf01.token });
    await eventually(() => frames().some((f) => f.type === "monitor-update" && f.entry.staffId === "s_kf01" && f.entry.load === 0), 10_000, "load 0 pushed");
    chat.close();
    online.close();
    monitor.close();
  });
});
