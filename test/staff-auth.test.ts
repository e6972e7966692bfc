// Staff login: PBKDF2 passwords, TOTP when enabled, disabled accounts, roles on routes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { totpCode } from "../domain/auth/totp";
import { staffSql } from "../scripts/seed";
import { queryJson } from "../scripts/wrangler";
import { api, enter, eventually, loginCustomer, loginStaff, startTestSystem, type TestSystem } from "./harness";

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
let sys: TestSystem;
before(async () => {
  const extraSql =
    (await staffSql([
      { id: "s_totp", code: "totp01", name: "动态码客服", password: "pass-1234", totpSecret: SECRET },
      { id: "s_totp2", code: "totp02", name: "动态码客服二", password: "pass-1234", totpSecret: SECRET },
      { id: "s_totp3", code: "totp03", name: "动态码客服三", password: "pass-1234", totpSecret: SECRET },
      { id: "s_gone", code: "gone01", name: "已停用", password: "pass-1234" },
      { id: "s_lock", code: "lock01", name: "锁定测试", password: "pass-1234" },
      { id: "s_enc", code: "enc01", name: "加密测试", password: "pass-1234" },
      { id: "s_pwd", code: "pwd01", name: "改密测试", password: "pass-1234" },
    ])) + "\nUPDATE staff SET disabled = 1 WHERE id = 's_gone';";
  sys = await startTestSystem({ extraSql });
});
after(async () => {
  await sys?.close();
});

describe("staff login", () => {
  it("requires the TOTP code when enabled and accepts the current one", async () => {
    const withoutCode = await api(sys, "/api/auth/staff", { body: { code: "totp01", password: "pass-1234" } });
    assert.equal(withoutCode.status, 401);
    assert.match(withoutCode.body.message, /动态验证码/);
    const wrongCode = await api(sys, "/api/auth/staff", { body: { code: "totp01", password: "pass-1234", totp: "000000" } });
    assert.equal(wrongCode.status, 401);
    const stale = totpCode(SECRET, Date.now() - 5 * 60_000);
    assert.equal((await api(sys, "/api/auth/staff", { body: { code: "totp01", password: "pass-1234", totp: stale } })).status, 401);
    const ok = await loginStaff(sys, "totp01", "pass-1234", totpCode(SECRET));
    assert.equal(ok.role, "staff");
    assert.equal(ok.id, "s_totp");
  });

  it("refuses wrong passwords, unknown codes and disabled accounts alike", async () => {
    const wrong = await api(sys, "/api/auth/staff", { body: { code: "kf01", password: "nope" } });
    const unknown = await api(sys, "/api/auth/staff", { body: { code: "nobody", password: "nope" } });
    assert.equal(wrong.status, 401);
    assert.deepEqual(unknown.body, wrong.body);
    const disabled = await api(sys, "/api/auth/staff", { body: { code: "gone01", password: "pass-1234" } });
    assert.equal(disabled.status, 401);
    assert.deepEqual(disabled.body, wrong.body);
  });

  it("does not accept a TOTP code twice", async () => {
    const code = totpCode(SECRET);
    await loginStaff(sys, "totp02", "pass-1234", code);
    const replay = await api(sys, "/api/auth/staff", { body: { code: "totp02", password: "pass-1234", totp: code } });
    assert.equal(replay.status, 401);
    assert.match(replay.body.message, /已使用/);
  });

  it("locks an account out after repeated failures, even for the right password", async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal((await api(sys, "/api/auth/staff", { body: { code: "lock01", password: `wrong-${i}` } })).status, 401);
    }
    const locked = await api(sys, "/api/auth/staff", { body: { code: "lock01", password: "pass-1234" } });
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get("retry-after")) >= 1);
  });

  it("lets a staff member change their own password, which ends every session of the account", async () => {
    const first = await loginStaff(sys, "pwd01", "pass-1234");
    const second = await loginStaff(sys, "pwd01", "pass-1234");
    const change = (body: unknown) => api(sys, "/api/auth/staff/password", { token: first.token, body });
    // A wrong current password is a 400, not a 401: the session itself is fine.
    const wrong = await change({ currentPassword: "not-it", newPassword: "new-pass-5678" });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.message, "当前密码不正确");
    const short = await change({ currentPassword: "pass-1234", newPassword: "12345" });
    assert.equal(short.status, 400);
    assert.match(short.body.message, /至少 6 位/);
    assert.equal((await change({ currentPassword: "pass-1234", newPassword: "pass-1234" })).body.message, "新密码不能与当前密码相同");
    assert.equal((await api(sys, "/api/auth/me", { token: first.token })).status, 200, "refusals change nothing");

    assert.equal((await change({ currentPassword: "pass-1234", newPassword: "new-pass-5678" })).status, 200);
    for (const t of [first.token, second.token]) assert.equal((await api(sys, "/api/auth/me", { token: t })).status, 401);
    assert.equal((await api(sys, "/api/auth/staff", { body: { code: "pwd01", password: "pass-1234" } })).status, 401);
    assert.equal((await loginStaff(sys, "pwd01", "new-pass-5678")).id, "s_pwd");
  });

  it("enforces roles on routes", async () => {
    const staff = await loginStaff(sys, "kf01");
    const sup = await loginStaff(sys, "sup01");
    const admin = await loginStaff(sys, "admin", "admin123");
    assert.equal((await api(sys, "/api/admin/settings", { token: staff.token })).status, 403);
    assert.equal((await api(sys, "/api/admin/settings", { token: sup.token })).status, 200);
    assert.equal((await api(sys, "/api/admin/settings", { method: "PUT", token: sup.token, body: { pushPerHour: 5 } })).status, 403);
    assert.equal((await api(sys, "/api/admin/settings", { method: "PUT", token: admin.token, body: { pushPerHour: 5 } })).status, 200);
    assert.equal((await api(sys, "/api/entry", { token: staff.token, body: {} })).status, 403);
    const me = await api(sys, "/api/auth/me", { token: sup.token });
    assert.equal(me.body.role, "supervisor");
  });
});

describe("staff WeChat binding", () => {
  it("binds a WeChat to a staff account and logs in with a wx.login code alone", async () => {
    const kf01 = await loginStaff(sys, "kf01");
    const before = await api(sys, "/api/auth/staff/wechat", { body: { code: "kf01-phone" } });
    assert.equal(before.status, 404);
    assert.match(before.body.message, /未绑定/);
    const bind = await api(sys, "/api/auth/staff/wechat/bind", { token: kf01.token, body: { code: "kf01-phone" } });
    assert.equal(bind.status, 200);
    assert.equal((await api(sys, "/api/auth/me", { token: kf01.token })).body.wechatBound, true);
    const login = await api(sys, "/api/auth/staff/wechat", { body: { code: "kf01-phone" } });
    assert.equal(login.status, 200);
    assert.equal(login.body.id, kf01.id);
    assert.equal(login.body.role, "staff");

    const kf02 = await loginStaff(sys, "kf02");
    const taken = await api(sys, "/api/auth/staff/wechat/bind", { token: kf02.token, body: { code: "kf01-phone" } });
    assert.equal(taken.status, 409);
    const customer = await api(sys, "/api/auth/customer", { body: { code: "some-customer" } });
    assert.equal((await api(sys, "/api/auth/staff/wechat/bind", { token: customer.body.token, body: { code: "x" } })).status, 403);
    const bad = await api(sys, "/api/auth/staff/wechat", { body: { code: "bad-code" } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "wechat_error");

    assert.equal((await api(sys, "/api/auth/staff/wechat/bind", { method: "DELETE", token: kf01.token })).status, 200);
    assert.equal((await api(sys, "/api/auth/staff/wechat", { body: { code: "kf01-phone" } })).status, 404);
  });
});

describe("TOTP required for everyone", () => {
  it("lets a staff member without TOTP enrol at login, with their password and a code from the new secret", async () => {
    const admin = await loginStaff(sys, "admin", "admin123");
    const created = await api(sys, "/api/admin/staff", { token: admin.token, body: { code: "enrol01", name: "新客服", password: "pass-1234" } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // Straight into D1: through the API the admin would need TOTP themselves, which other tests here do not expect.
    const setRequired = (on: boolean) =>
      queryJson(sys.persistTo, `INSERT INTO settings (key, value, updated_at) VALUES ('requireTotp', '${on}', 0) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
    await setRequired(true);
    try {
      // Settings are cached for a moment in the Worker.
      const refused = await eventually(async () => {
        const res = await api(sys, "/api/auth/staff", { body: { code: "enrol01", password: "pass-1234" } });
        return res.status === 403 ? res : undefined;
      }, 10_000, "TOTP required");
      assert.equal(refused?.body.code, "totp_setup_required");

      // The setup needs the password and stores nothing yet.
      assert.equal((await api(sys, "/api/auth/staff/totp/setup", { body: { code: "enrol01", password: "wrong-pass" } })).status, 401);
      const setup = await api(sys, "/api/auth/staff/totp/setup", { body: { code: "enrol01", password: "pass-1234" } });
      assert.equal(setup.status, 200, JSON.stringify(setup.body));
      assert.match(setup.body.uri, /^otpauth:\/\/totp\//);
      const secret = setup.body.secret as string;

      const badCode = await api(sys, "/api/auth/staff", { body: { code: "enrol01", password: "pass-1234", totpSecret: secret, totp: totpCode(secret, Date.now() - 10 * 60_000) } });
      assert.equal(badCode.status, 401);
      const enrolled = await api(sys, "/api/auth/staff", { body: { code: "enrol01", password: "pass-1234", totpSecret: secret, totp: totpCode(secret) } });
      assert.equal(enrolled.status, 200, JSON.stringify(enrolled.body));

      // From now on the account has TOTP like any other: the code is asked for, a new setup refused.
      assert.equal((await api(sys, "/api/auth/staff", { body: { code: "enrol01", password: "pass-1234" } })).status, 401);
      // Each code is good once: the enrolment used the current one.
      await loginStaff(sys, "enrol01", "pass-1234", totpCode(secret, Date.now() + 30_000));
      assert.equal((await api(sys, "/api/auth/staff/totp/setup", { body: { code: "enrol01", password: "pass-1234" } })).status, 409);
    } finally {
      await setRequired(false);
      // Waits out the settings cache without login attempts (failed ones count towards the lockout).
      await eventually(async () => (await api(sys, "/api/admin/settings", { token: admin.token })).body.settings?.requireTotp === false, 10_000, "TOTP no longer required");
    }
  });
});

describe("staff codes are login names", () => {
  it("are not shown to customers on the staff card", async () => {
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    assert.equal("code" in entry.staff, false);
    assert.equal(entry.exclusive, false);
    const detail = await api(sys, `/api/conversations/${entry.conversationId}`, { token: customer.token });
    assert.equal(detail.status, 200);
    assert.ok(detail.body.staff.name);
    assert.equal("code" in detail.body.staff, false);
  });
});

describe("TOTP secrets at rest", () => {
  it("stores the secret encrypted, so the database and its backups do not show it", async () => {
    const admin = await loginStaff(sys, "admin", "admin123");
    const setup = await api(sys, "/api/admin/staff/s_enc/totp/setup", { method: "POST", token: admin.token });
    const secret: string = setup.body.secret;
    assert.equal((await api(sys, "/api/admin/staff/s_enc/totp", { token: admin.token, body: { secret, code: totpCode(secret) } })).status, 200);
    const [row] = await queryJson<{ totp_secret: string }>(sys.persistTo, "SELECT totp_secret FROM staff WHERE id = 's_enc'");
    assert.ok(!row.totp_secret.includes(secret), "the secret is not stored in plain text");
    assert.match(row.totp_secret, /^enc1:/);
    const login = await loginStaff(sys, "enc01", "pass-1234", totpCode(secret, Date.now() + 30_000));
    assert.equal(login.id, "s_enc");
  });
});

describe("staff WeChat login with TOTP", () => {
  it("asks a TOTP-enabled account for its code, as the password login does", async () => {
    const totp3 = await loginStaff(sys, "totp03", "pass-1234", totpCode(SECRET, Date.now() - 30_000));
    assert.equal((await api(sys, "/api/auth/staff/wechat/bind", { token: totp3.token, body: { code: "totp03-phone" } })).status, 200);
    const withoutCode = await api(sys, "/api/auth/staff/wechat", { body: { code: "totp03-phone" } });
    assert.equal(withoutCode.status, 401);
    assert.match(withoutCode.body.message, /动态验证码/);
    assert.equal((await api(sys, "/api/auth/staff/wechat", { body: { code: "totp03-phone", totp: "000000" } })).status, 401);
    const ok = await api(sys, "/api/auth/staff/wechat", { body: { code: "totp03-phone", totp: totpCode(SECRET) } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.id, "s_totp3");
  });
});
