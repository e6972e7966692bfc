import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { queryJson } from "../scripts/wrangler";
import { runCron, TICK_CRON } from "./cron";
import { ALWAYS_WORKING, api, enter, loginCustomer, loginStaff, RawSocket, staffPath, useTestSystem, staffCodeOf } from "./harness";

let admin: string;
const sys = useTestSystem({ extraSql: ALWAYS_WORKING }, async () => {
  admin = (await loginStaff(sys, "admin", "admin123")).token;
});

const online = new Map<string, RawSocket>();
async function goOnline(code: string) {
  const login = await loginStaff(sys, code);
  const socket = new RawSocket(sys, staffPath(login.id), login.token);
  await socket.opened;
  await socket.waitFor("presence", (f) => f.presence === "online");
  online.set(code, socket);
}
async function goOffline(code: string) {
  const socket = online.get(code)!;
  socket.close();
  await socket.closed;
  online.delete(code);
  // The staff room records presence on close; wait until entry would see it.
  for (let i = 0; i < 100; i++) {
    const list = await api(sys, "/api/colleagues", { token: admin });
    if (list.body.staff.find((s: any) => s.code === code).presence === "offline") return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${code} still not offline`);
}
async function newCustomerEntry(scene?: string) {
  const customer = await loginCustomer(sys);
  return enter(sys, customer.token, scene);
}

describe("assignment rules", () => {
  it("gives a scene's exclusive staff when online, a default staff when offline", async () => {
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
    const a = await newCustomerEntry();
    const b = await newCustomerEntry();
    const c = await newCustomerEntry();
    const d = await newCustomerEntry();
    const codes = [a, b, c, d].map((e) => staffCodeOf(e.staff)).sort();
    // Two default staff, both online: four new customers end up two and two
    // (the earlier fallback customer gave one of them a head start of one).
    const count = (code: string) => codes.filter((x) => x === code).length;
    assert.ok(Math.abs(count("kf01") - count("kf02")) <= 1, `unbalanced: ${codes}`);
    assert.ok(codes.every((x) => x === "kf01" || x === "kf02"));
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
    const res = await api(sys, "/api/admin/settings", {
      method: "PUT",
      token: admin,
      body: { workingHours: { enabled: true, start: "09:00", end: "18:00", days: [], utcOffsetMinutes: 480 } },
    });
    assert.equal(res.status, 200);
    await goOnline("vip01");
    const byScene = await newCustomerEntry("vip01");
    assert.equal(staffCodeOf(byScene.staff), "kf01", "kf01 is the on-duty staff");
    const direct = await newCustomerEntry();
    assert.equal(staffCodeOf(direct.staff), "kf01");
  });

  it("refuses a bad settings value with a clear error and keeps the old one", async () => {
    const bad = await api(sys, "/api/admin/settings", { method: "PUT", token: admin, body: { sessionTimeoutSeconds: -5 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, "bad_request");
    assert.match(bad.body.message, /sessionTimeoutSeconds/);
    const now = await api(sys, "/api/admin/settings", { token: admin });
    assert.equal(now.body.settings.sessionTimeoutSeconds, 86400);
  });
});

describe("presence after a crash", () => {
  it("corrects a stored presence whose sockets are gone, on the cron tick", async () => {
    // As after workerd died with sup01 connected: stored online, no socket anywhere.
    await queryJson(sys.persistTo, "UPDATE staff SET presence = 'online' WHERE code = 'sup01'");
    const presenceOf = async (code: string) => (await api(sys, "/api/colleagues", { token: admin })).body.staff.find((s: any) => s.code === code).presence;
    assert.equal(await presenceOf("sup01"), "online");
    await runCron(sys, TICK_CRON);
    assert.equal(await presenceOf("sup01"), "offline");
    // Staff who really are connected stay as they are.
    assert.equal(await presenceOf("kf01"), "online");
  });
});
