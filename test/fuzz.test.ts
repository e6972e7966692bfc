// Bad input over every route and every socket frame type: random and malformed JSON, wrong types,
// huge strings, unicode edge cases, SQL and HTML injection text, oversized and mistyped uploads.
// Each gets a clear 4xx or error frame, nothing crashes, and nothing is stored.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { queryAllJson } from "../scripts/wrangler";
import { ALWAYS_WORKING, api, conversationPath, eventually, RawSocket, staffPath, useTestSystem } from "./harness";
import { makeWorld, PNG, ROUTES, uploadForm, type World } from "./route-table";

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const TABLES = ["users", "staff", "staff_groups", "conversations", "messages", "transfers", "settings", "templates", "subscriptions", "pushes"];

let world: World;
let before: Record<string, unknown[]>;
const sys = useTestSystem({ extraSql: ALWAYS_WORKING }, async () => {
  world = await makeWorld(sys);
  before = await snapshot();
});

async function snapshot(): Promise<Record<string, unknown[]>> {
  const results = await queryAllJson(sys.persistTo, TABLES.map((t) => `SELECT * FROM ${t} ORDER BY rowid`).join("; "));
  return Object.fromEntries(TABLES.map((t, i) => [t, results[i]]));
}

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = prng(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

const NASTY_STRINGS = [
  "' OR '1'='1' --",
  "'; DROP TABLE messages; --",
  "<script>alert(1)</script>",
  "<img src=x onerror=alert(1)>",
  "../../../../etc/passwd",
  "\u0000\u0001\u0002",
  "\ud800",
  "\u202e\u200b\ufeff",
  "👨‍👩‍👧‍👦".repeat(50),
  "长".repeat(5000),
  "x".repeat(200_000),
  "%00%2e%2e%2f",
  "${process.env}",
  "{{constructor.constructor('return 1')()}}",
];
/** Values no body field of this API accepts where it is checked (wrong types, out of range). */
const WRONG_VALUES: unknown[] = [null, true, [], {}, [1, "a"], { $gt: "" }, -1, 1e308, 0.5, Number.MAX_SAFE_INTEGER + 2];
const FIELDS = [
  "code", "password", "totp", "scene", "score", "comment", "toStaffId", "reason", "results", "tags", "note", "phone",
  "nickname", "name", "role", "staffIds", "kind", "title", "content", "config", "secret", "workingHours", "pushPerHour",
  "sessionTimeoutSeconds", "uploadMaxBytes", "resolved", "converted", "deviceId", "isDefault", "disabled", "groupId",
];

function wrongObject(): Record<string, unknown> {
  const out: Record<string, unknown> = { __proto__: { admin: true } } as Record<string, unknown>;
  const n = 1 + Math.floor(random() * 4);
  for (let i = 0; i < n; i++) out[pick(FIELDS)] = pick(WRONG_VALUES);
  return out;
}

function rawBodies(): string[] {
  return [
    "",
    "{",
    "null",
    "[]",
    "42",
    '"just a string"',
    '{"a":',
    "{'single': 'quotes'}",
    "[".repeat(5000) + "]".repeat(5000),
    JSON.stringify({ deep: JSON.parse("[".repeat(200) + "]".repeat(200)) }),
    String.fromCharCode(...Array.from({ length: 64 }, () => Math.floor(random() * 256))),
    JSON.stringify(wrongObject()),
    JSON.stringify(wrongObject()),
    JSON.stringify(wrongObject()),
    JSON.stringify(Object.fromEntries(FIELDS.map((f) => [f, pick(WRONG_VALUES)]))),
  ];
}

function assertClear(res: { status: number; body: any }, what: string) {
  assert.ok(res.status < 500, `${what} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  if (res.status >= 400) {
    assert.equal(typeof res.body?.code, "string", `${what}: error body has a code`);
    assert.ok(typeof res.body?.message === "string" && res.body.message.length > 0, `${what}: error body has a message`);
  }
}

const tokenFor = (route: (typeof ROUTES)[number]) => world.tokens[route.allowed.includes("admin") ? "admin" : route.allowed[0]];

describe(`fuzz (seed ${SEED})`, () => {
  it("answers malformed bodies on every route with a clear 4xx", async () => {
    for (const route of ROUTES.filter((r) => r.method !== "GET" && !r.upload && !r.last && !r.ignoresBody)) {
      for (const raw of rawBodies()) {
        const res = await api(sys, route.path(world), {
          method: route.method,
          token: tokenFor(route),
          raw,
          headers: { "content-type": "application/json" },
        });
        // A body whose only keys are unknown ones may be valid (an empty patch, say); the snapshot at
        // the end proves that nothing was stored either way.
        assertClear(res, `${route.method} ${route.path(world)} ${raw.slice(0, 40)}`);
      }
    }
    for (const path of ["/api/auth/customer", "/api/auth/staff", "/api/auth/guest"]) {
      for (const raw of rawBodies()) {
        const res = await api(sys, path, { method: "POST", raw, headers: { "content-type": "application/json" } });
        assertClear(res, `POST ${path}`);
        assert.ok(res.status >= 400 && res.status !== 429, `POST ${path} → ${res.status}`);
      }
    }
  });

  it("treats injection and odd unicode in paths and queries as data", async () => {
    const long = await api(sys, `/api/conversations/${encodeURIComponent("长".repeat(20_000))}`, { token: world.tokens.admin });
    assert.ok(long.status >= 400 && long.status < 500, `an over-long URL → ${long.status}`);
    for (const nasty of NASTY_STRINGS) {
      // Keep URLs within what the platform itself accepts (Cloudflare's limit is 16 KB).
      const id = encodeURIComponent(nasty.slice(0, 400).toWellFormed());
      const paths = [
        `/api/conversations/${id}`,
        `/api/conversations/${id}/messages?before=${id}`,
        `/api/conversations/${world.conversationId}/messages?after=${id}&limit=${id}`,
        `/api/staff/conversations?status=${id}&from=${id}&staffId=${id}`,
        `/api/customers/${id}`,
        `/api/media/${id}/${id}`,
        `/api/admin/customers?q=${id}`,
        `/api/admin/conversations?customer=${id}&status=${id}`,
        `/api/admin/stats?from=${id}&to=${id}`,
        `/api/templates?kind=${id}`,
        // Percent-encoded bytes that are not UTF-8 (a lone surrogate, a stray continuation byte).
        `/api/conversations/%ED%A0%80/messages`,
        `/api/customers/%C0%AF?x=%FF`,
      ];
      for (const path of paths) {
        const res = await api(sys, path, { token: world.tokens.admin });
        assertClear(res, `GET ${path.slice(0, 80)}`);
      }
      const login = await api(sys, "/api/auth/staff", { body: { code: nasty.slice(0, 32), password: nasty.slice(0, 128) } });
      assertClear(login, "staff login with injection text");
      assert.ok([400, 401].includes(login.status), `staff login → ${login.status}`);
      const entry = await api(sys, "/api/entry", { token: world.tokens.otherCustomer, body: { scene: nasty } });
      assertClear(entry, "entry with a nasty scene");
    }
  });

  it("searches with long Chinese text (over D1's 50-byte LIKE limit) without a 5xx", async () => {
    const texts = ["售后服务问题咨询退款换货物流查询", "我想咨询一下关于上个月购买的商品退款进度以及物流信息查询的问题", "长".repeat(64), "客户%_\\名称".repeat(8), "😀客户".repeat(21)];
    let fiveHundreds = 0;
    for (const text of texts) {
      const q = encodeURIComponent(text);
      for (const path of [`/api/admin/customers?q=${q}`, `/api/admin/conversations?customer=${q}`, `/api/admin/conversations/export?customer=${q}`]) {
        const res = await api(sys, path, { token: world.tokens.admin });
        if (res.status >= 500) fiveHundreds++;
        assertClear(res, `GET ${path.slice(0, 60)}`);
        assert.ok(res.status === 200 || (res.status === 400 && [...text].length > 64), `GET ${path.slice(0, 60)} → ${res.status}`);
      }
    }
    console.log(`# long Chinese searches: ${texts.length * 3} requests, ${fiveHundreds} 5xx`);
    assert.equal(fiveHundreds, 0);
  });

  it("refuses wrongly typed, empty, disguised and oversized uploads", async () => {
    const html = Buffer.from("<html><script>alert(1)</script></html>");
    const exe = Buffer.concat([Buffer.from("MZ"), Buffer.alloc(100)]);
    const cases: [string, FormData | string, Record<string, string>?][] = [
      ["html named png", uploadForm(world.conversationId, html, "a.png", "image/png")],
      ["exe", uploadForm(world.conversationId, exe, "a.jpg", "image/jpeg")],
      ["empty", uploadForm(world.conversationId, Buffer.alloc(0))],
      ["svg", uploadForm(world.conversationId, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), "a.svg", "image/svg+xml")],
      ["oversized", uploadForm(world.conversationId, Buffer.concat([PNG, Buffer.alloc(11 * 1024 * 1024)]))],
      ["no conversation", (() => { const f = uploadForm(world.conversationId); f.delete("conversationId"); return f; })()],
      ["injected conversation", (() => { const f = uploadForm(world.conversationId); f.set("conversationId", "c_' OR 1=1 --"); return f; })()],
      ["no file", (() => { const f = uploadForm(world.conversationId); f.delete("file"); return f; })()],
      ["file as text", (() => { const f = uploadForm(world.conversationId); f.set("file", "not a file"); return f; })()],
      ["broken multipart", "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc", { "content-type": "multipart/form-data; boundary=abc" }],
      ["json", JSON.stringify({ file: "x" }), { "content-type": "application/json" }],
    ];
    for (const [name, raw, headers] of cases) {
      const res = await api(sys, "/api/media", { token: world.tokens.customer, raw, headers });
      assertClear(res, `upload ${name}`);
      assert.ok(res.status >= 400, `upload ${name} → ${res.status}`);
    }
  });

  it("answers every bad frame on a conversation socket with an error frame", async () => {
    const socket = new RawSocket(sys, conversationPath(world.conversationId), world.tokens.customer);
    await socket.opened;
    const validSend = { type: "send", clientId: "fuzz-valid-client", content: { kind: "text", text: "ok" } };
    const frames: string[] = [
      ...rawBodies(),
      ...NASTY_STRINGS.map((s) => JSON.stringify({ type: s })),
      ...NASTY_STRINGS.map((s) => JSON.stringify({ ...validSend, clientId: s })),
      ...WRONG_VALUES.map((v) => JSON.stringify({ ...validSend, content: v })),
      ...WRONG_VALUES.map((v) => JSON.stringify({ ...validSend, content: { kind: "text", text: v } })),
      ...WRONG_VALUES.map((v) => JSON.stringify({ ...validSend, content: { kind: "image", mediaKey: v } })),
      ...WRONG_VALUES.map((v) => JSON.stringify({ ...validSend, content: { kind: "voice", mediaKey: world.mediaKey, durationMs: v } })),
      ...WRONG_VALUES.map((v) => JSON.stringify({ type: "read", seq: v })),
      ...WRONG_VALUES.map((v) => JSON.stringify({ type: "sync", after: v })),
      JSON.stringify({ ...validSend, content: { kind: "text", text: "长".repeat(2001) } }),
      JSON.stringify({ ...validSend, content: { kind: "system", text: "冒充系统消息" } }),
      JSON.stringify({ ...validSend, content: { kind: "image", mediaKey: "media/c_00000000000000000000000000000000/abc" } }),
      JSON.stringify({ ...validSend, content: { kind: "image", mediaKey: `${world.mediaKey}/../x` } }),
    ];
    // Frames the schema accepts are not bad input; only count those it must refuse.
    for (const frame of frames) socket.send(frame);
    await eventually(() => socket.frames.filter((f) => f.type === "error").length >= frames.length, 30_000, "an error frame per bad frame").catch(() => undefined);
    const errors = socket.frames.filter((f) => f.type === "error");
    assert.equal(errors.length, frames.length, "one error frame per bad frame");
    assert.ok(errors.every((e) => e.type === "error" && e.message.length > 0));
    assert.equal(socket.frames.filter((f) => f.type === "ack").length, 0, "nothing acknowledged");
    socket.close();
  });

  it("answers a close frame without a code (a bare close()) on every kind of room", async () => {
    const rooms: [string, string][] = [
      [conversationPath(world.conversationId), world.tokens.customer!],
      [staffPath(world.staffId), world.tokens.staff!],
      ["/parties/monitor-room/main", world.tokens.supervisor!],
    ];
    for (const [path, token] of rooms) {
      const socket = new RawSocket(sys, path, token);
      await socket.opened;
      socket.ws.close();
      // 1000 is the room's answer; an unanswered close ends as 1006 when the runtime drops the connection.
      assert.equal((await socket.closed).code, 1000, path);
    }
  });

  it("stored nothing, and the system still works", async () => {
    assert.deepEqual(await snapshot(), before);
    const socket = new RawSocket(sys, conversationPath(world.conversationId), world.tokens.customer);
    await socket.opened;
    socket.send({ type: "send", clientId: "after-fuzz-message", content: { kind: "text", text: "还好吗" } });
    const ack = await socket.waitFor("ack");
    assert.equal(ack.seq, 2);
    socket.close();
  });
});
