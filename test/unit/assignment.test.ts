// Who takes a new conversation (rule 6.1), over staff rows with their loads; no database.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { assignStaff, type Candidate, pickStaff } from "../../domain/assignment";
import type { Db } from "../../domain/db/client";
import { seededDb } from "./sqlite-db";
import { DEFAULT_SETTINGS, type Settings } from "../../domain/settings";

const WORKING = Date.UTC(2026, 0, 5, 2); // Monday 10:00 in Beijing
const NIGHT = Date.UTC(2026, 0, 5, 14); // Monday 22:00 in Beijing
const settings = (over: Partial<Settings> = {}): Settings => ({ ...DEFAULT_SETTINGS, ...over });

function staff(code: string, over: Partial<Candidate> = {}): Candidate {
  return {
    id: `s_${code}`,
    code,
    name: code,
    avatar: null,
    department: null,
    specialty: null,
    role: "staff",
    isDefault: false,
    isOnDuty: false,
    status: "online",
    presence: "online",
    disabled: false,
    passwordHash: "x",
    totpSecret: null,
    totpEnabled: false,
    wechatOpenid: null,
    groupId: null,
    qrcodeKey: null,
    lastAssignedAt: 0,
    sessionVersion: 0,
    totpLastStep: 0,
    createdAt: 0,
    load: 0,
    ...over,
  };
}

const team = () => [
  staff("admin", { role: "admin" }),
  staff("kf01", { isDefault: true, isOnDuty: true, load: 2 }),
  staff("kf02", { isDefault: true, load: 1 }),
  staff("vip01"),
];
const choose = (people: Candidate[], s: Settings, opts: Parameters<typeof pickStaff>[2]) => {
  const a = pickStaff(people, s, opts);
  return a && [a.staff.code, a.source, a.reason];
};

describe("assignment choice", () => {
  it("gives a QR scene's staff member the conversation while reachable", () => {
    assert.deepEqual(choose(team(), settings(), { exclusiveCode: "vip01", now: WORKING }), ["vip01", "qr", "exclusive"]);
    const offline = team().map((s) => (s.code === "vip01" ? { ...s, presence: "offline" as const } : s));
    assert.deepEqual(choose(offline, settings(), { exclusiveCode: "vip01", now: WORKING }), ["kf02", "qr", "default"]);
    assert.deepEqual(choose(team(), settings(), { exclusiveStaffId: "s_vip01", now: WORKING }), ["vip01", "direct", "exclusive"]);
    assert.deepEqual(choose(team(), settings(), { exclusiveCode: "nobody", now: WORKING }), ["kf02", "direct", "default"]);
  });

  it("ignores the exclusive staff under least_load", () => {
    assert.deepEqual(choose(team(), settings({ assignmentRule: "least_load" }), { exclusiveCode: "vip01", now: WORKING }), ["kf02", "qr", "default"]);
  });

  it("prefers online default staff over busy ones, then the least load, the longest idle, the code", () => {
    const people = [
      staff("kf01", { isDefault: true, presence: "busy", load: 0 }),
      staff("kf02", { isDefault: true, load: 3, lastAssignedAt: 5 }),
      staff("kf03", { isDefault: true, load: 3, lastAssignedAt: 1 }),
    ];
    assert.deepEqual(choose(people, settings(), { now: WORKING }), ["kf03", "direct", "default"]);
    const allBusy = people.map((s) => ({ ...s, presence: "busy" as const }));
    assert.deepEqual(choose(allBusy, settings(), { now: WORKING }), ["kf01", "direct", "default"]);
    const allOffline = people.map((s) => ({ ...s, presence: "offline" as const, lastAssignedAt: 0 }));
    assert.deepEqual(choose(allOffline, settings(), { now: WORKING }), ["kf01", "direct", "default"]);
    const tied = [staff("kf09", { isDefault: true }), staff("kf08", { isDefault: true })];
    assert.deepEqual(choose(tied, settings(), { now: WORKING }), ["kf08", "direct", "default"]);
  });

  it("outside working hours gives the on-duty staff the conversation, even before the exclusive one", () => {
    assert.deepEqual(choose(team(), settings(), { exclusiveCode: "vip01", now: NIGHT }), ["kf01", "qr", "on_duty"]);
    const offDuty = team().map((s) => ({ ...s, isOnDuty: false }));
    assert.deepEqual(choose(offDuty, settings(), { now: NIGHT }), ["kf02", "direct", "default"]);
    assert.deepEqual(choose(team(), settings({ workingHours: { ...DEFAULT_SETTINGS.workingHours, enabled: false } }), { now: NIGHT }), ["kf02", "direct", "default"]);
  });

  it("falls back to the exclusive staff, then anyone but admins, then nobody", () => {
    const noDefaults = team().map((s) => ({ ...s, isDefault: false, isOnDuty: false }));
    const unreachable = noDefaults.map((s) => (s.code === "vip01" ? { ...s, presence: "offline" as const } : s));
    assert.deepEqual(choose(unreachable, settings(), { exclusiveCode: "vip01", now: WORKING }), ["vip01", "qr", "fallback"]);
    assert.deepEqual(choose(noDefaults, settings(), { now: WORKING }), ["vip01", "direct", "fallback"]); // least load
    assert.equal(choose([staff("admin", { role: "admin" })], settings(), { now: WORKING }), null);
  });
});

describe("assignStaff: the claim over a database", () => {
  const alwaysWorking = settings({ workingHours: { ...DEFAULT_SETTINGS.workingHours, enabled: false } });
  const extraDefaults = ["kf03", "kf04"].map((code) => `INSERT INTO staff (id, code, name, role, is_default, password_hash, created_at) VALUES ('s_${code}', '${code}', '${code}', 'staff', 1, 'x', 0);`).join("\n");
  const enterTogether = async (db: Db, n: number) => {
    const assigned = await Promise.all(Array.from({ length: n }, () => assignStaff(db, alwaysWorking, { now: WORKING })));
    const counts: Record<string, number> = {};
    for (const a of assigned) counts[a!.staff.code] = (counts[a!.staff.code] ?? 0) + 1;
    return counts;
  };

  it("spreads entries that arrive together evenly over default staff of equal load, without retrying", async () => {
    const db = await seededDb(extraDefaults);
    // 40 at once: the old optimistic claim needed up to one round per simultaneous entry.
    assert.deepEqual(await enterTogether(db, 40), { kf01: 10, kf02: 10, kf03: 10, kf04: 10 });
  });

  it("gives none to a staff member whose started conversations make them the most loaded", async () => {
    const db = await seededDb(
      `${extraDefaults}
      INSERT INTO users (id, openid, created_at, last_active_at) VALUES ('u_load1', 'o_load1', 0, 0);
      INSERT INTO conversations (id, customer_id, staff_id, status, source, created_at, started_at) VALUES
        ('c_load1', 'u_load1', 's_kf01', 'active', 'direct', 0, 1), ('c_load2', 'u_load1', 's_kf01', 'pending', 'direct', 0, 1);`,
    );
    const counts = await enterTogether(db, 6);
    assert.equal(counts.kf01, undefined, JSON.stringify(counts));
    assert.deepEqual(counts, { kf02: 2, kf03: 2, kf04: 2 });
  });
});
