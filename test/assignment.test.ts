import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { queryJson } from "../scripts/wrangler";
import { runCron, TICK_CRON } from "./cron";
import { ALWAYS_WORKING, api, changeSettings, enter, eventually, loginCustomer, loginStaff, RawSocket, staffPath, useTestSystem, staffCodeOf } from "./harness";

let admin: string;
const sys = useTestSystem({ extraSql: ALWAYS_WORKING }, async () => {
  admin = (await loginStaff(sys, "admin", "admin123")).token;
});

// Each test sets up the presence and settings it needs: none relies on another having run.
const online = new Map<string, RawSocket>();
async function goOnline(code: string) {
  if (online.has(code)) return;
  const login = await loginStaff(sys, code);
  const socket = new RawSocket(sys, staffPath(login.id), login.token);
  await socket.opened;
  await socket.waitFor("presence", (f) => f.presence === "online");
  online.set(code, socket);
}
const presenceOf = async (code: string) => (await api(sys, "/api/colleagues", { token: admin })).body.staff.find((s: any) => s.code === code).presence;
async function goOffline(code: string) {
  const socket = online.get(code);
  await socket?.closeHandshake();
  online.delete(code);
  // The staff room records presence on close; wait until entry would see it.
  await eventually(async () => (await presenceOf(code)) === "offline", 5000, `${code} offline`);
}
const officeHours = (days: number[]) => ({ workingHours: { enabled: true, start: "09:00", end: "18:00", days, utcOffsetMinutes: 480 } });
const alwaysWorking = () => changeSettings(sys, admin, { workingHours: { ...officeHours([1, 2, 3, 4, 5]).workingHours, enabled: false } });
/** Open conversations per staff code. */
async function loads(): Promise<Record<string, number>> {
  const rows = await queryJson<{ code: string; n: number }>(
    sys.persistTo,
    "SELECT s.code AS code, count(c.id) AS n FROM staff s LEFT JOIN conversations c ON c.staff_id = s.id AND c.status IN ('pending', 'active') GROUP BY s.code",
  );
  return Object.fromEntries(rows.map((r) => [r.code, r.n]));
}
async function newCustomerEntry(scene?: string) {
  const customer = await loginCustomer(sys);
  return enter(sys, customer.token, scene);
}

describe("assignment rules", () => {
  it("gives a scene's exclusive staff when online, a default staff when offline", async () => {
    await alwaysWorking();
    await goOnline("vip01");
    await goOnline("kf01");
    await goOnline("kf02");
    const first = await newCustomerEntry("vip01");
    assert.equal(staffCodeOf(first.staff), "vip01");
    assert.equal(first.source, "qr");

    await goOffline("vip01");
    const second = await newCustomerEntry("vip01");
    assert.ok(["kf01", "kf02"].includes(staffCodeOf(second.staff)), `fell back to ${staffCodeOf(second.staff)}`);
  });

  it("spreads direct customers over the default staff by current load", async () => {
    await alwaysWorking();
    await goOnline("kf01");
    await goOnline("kf02");
    for (let i = 0; i < 4; i++) {
      const before = await loads();
      const entry = await newCustomerEntry();
      assert.ok(["kf01", "kf02"].includes(staffCodeOf(entry.staff)), `went to ${staffCodeOf(entry.staff)}`);
      const other = staffCodeOf(entry.staff) === "kf01" ? "kf02" : "kf01";
      assert.ok(before[staffCodeOf(entry.staff)] <= before[other], `customer ${i} went to ${staffCodeOf(entry.staff)} with loads ${JSON.stringify(before)}`);
    }
  });

  it("continues the open conversation of a returning customer", async () => {
    const customer = await loginCustomer(sys, "returning-customer");
    const first = await enter(sys, customer.token);
    const again = await loginCustomer(sys, "returning-customer");
    assert.equal(again.id, customer.id);
    const second = await enter(sys, again.token, "vip01");
    assert.equal(second.conversationId, first.conversationId);
    assert.equal(second.continued, true);
  });

  it("hands customers to the on-duty staff outside working hours", async () => {
    await changeSettings(sys, admin, officeHours([]));
    try {
      await goOnline("vip01");
      const byScene = await newCustomerEntry("vip01");
      assert.equal(staffCodeOf(byScene.staff), "kf01", "kf01 is the on-duty staff");
      const direct = await newCustomerEntry();
      assert.equal(staffCodeOf(direct.staff), "kf01");
    } finally {
      await alwaysWorking();
    }
  });

  it("refuses a bad settings value with a clear error and keeps the old one", async () => {
    const before = await api(sys, "/api/admin/settings", { token: admin });
    const bad = await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { sessionTimeoutSeconds: -5 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "bad_request");
    assert.match(bad.body.message, /sessionTimeoutSeconds/);
    const now = await api(sys, "/api/admin/settings", { token: admin });
    assert.deepEqual(now.body.settings, before.body.settings);
  });
});

describe("presence after a crash", () => {
  it("corrects a stored presence whose sockets are gone, on the cron tick", async () => {
    // As after workerd died with sup01 connected: stored online, no socket anywhere.
    await goOnline("kf01");
    await queryJson(sys.persistTo, "UPDATE staff SET presence = 'online' WHERE code = 'sup01'");
    assert.equal(await presenceOf("sup01"), "online");
    await runCron(sys, TICK_CRON);
    assert.equal(await presenceOf("sup01"), "offline");
    // Staff who really are connected stay as they are.
    assert.equal(await presenceOf("kf01"), "online");
  });
});
