// client/zod-lite.ts stands in for zod in the browser bundles: the protocol's schemas, bundled
// against it as the browser gets them, must give the same verdicts and the same parsed data as
// with zod, on valid messages, on broken ones, and on junk.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { before, describe, it } from "node:test";
import { build } from "esbuild";
import * as real from "../protocol";
import { rootDir } from "../scripts/wrangler";

let lite: Record<string, unknown>;

before(async () => {
  const out = join(mkdtempSync(join(tmpdir(), "kefu-zod-lite-")), "protocol.mjs");
  const result = await build({
    entryPoints: [join(rootDir, "protocol/index.ts")],
    bundle: true,
    format: "esm",
    write: false,
    plugins: [{ name: "zod-lite", setup: (b) => b.onResolve({ filter: /^zod$/ }, () => ({ path: join(rootDir, "client/zod-lite.ts") })) }],
  });
  writeFileSync(out, result.outputFiles[0].contents);
  lite = await import(pathToFileURL(out).href);
});

type Parser = { safeParse(v: unknown): { success: boolean; data?: unknown } };
const schemas = () =>
  Object.keys(real)
    .filter((k) => k.endsWith("Schema") && typeof (real as Record<string, unknown>)[k] === "object")
    .map((k) => [k, (real as unknown as Record<string, Parser>)[k], lite[k] as Parser] as const);

function same(name: string, zodSchema: Parser, liteSchema: Parser, value: unknown) {
  const a = zodSchema.safeParse(value);
  const b = liteSchema.safeParse(value);
  assert.equal(b.success, a.success, `${name} on ${JSON.stringify(value)}: zod ${a.success}, lite ${b.success}`);
  if (a.success) assert.deepEqual(b.data, a.data, `${name} data on ${JSON.stringify(value)}`);
}

const message = { conversationId: "c1", seq: 3, clientId: "abc", sender: "staff", senderId: "s_kf01", kind: "text", text: "你好", mediaKey: null, durationMs: null, flagged: false, sentAt: 1, readAt: null };
const item = { id: "c1", customerId: "u1", customerName: null, customerAvatar: null, staffId: "s1", status: "active", source: "qr", createdAt: 1, lastMessageAt: 2, lastMessagePreview: "hi", unread: 2 };
const state = { id: "c1", customerId: "u1", staffId: "s1", status: "ended", lastSeq: 4, customerReadSeq: 1, staffReadSeq: 2, endedAt: 9 };
const push = { id: "p1", conversationId: "c1", customerId: "u1", staffId: "s1", messageSeq: 2, templateId: "T", status: "failed", errcode: 43101, summary: "s", page: null, retryOf: null, retryable: true, createdAt: 1, sentAt: null, clickedAt: null };

const SAMPLES: Record<string, unknown[]> = {
  messageSchema: [message, { ...message, seq: 1.5 }, { ...message, kind: "video" }, { ...message, extra: 1 }, { ...message, text: undefined }],
  serverFrameSchema: [
    { type: "message", message },
    { type: "ack", clientId: "a", seq: 1, sentAt: 2, duplicate: false },
    { type: "error", code: "rate_limited", message: "慢一点" },
    { type: "error", code: "x", message: "y", clientId: "a" },
    { type: "conversation", conversation: state },
    { type: "inbox", item },
    { type: "inbox-remove", conversationId: "c1", reason: "transfer" },
    { type: "inbox-remove", conversationId: "c1", reason: "other" },
    { type: "presence", staffId: "s1", presence: "busy" },
    { type: "nope" },
    { type: "read", by: "customer", seq: 2 },
  ],
  clientFrameSchema: [
    { type: "send", clientId: "abcdefgh", content: { kind: "text", text: "hi" } },
    { type: "send", clientId: "abcdefgh", content: { kind: "text", text: "" } },
    { type: "read", seq: -1 },
    { type: "sync", after: 0 },
  ],
  inboxItemSchema: [item, { ...item, status: "closed" }, { ...item, unread: "2" }],
  loginResultSchema: [{ token: "t", expiresAt: 1, role: "staff", id: "s" }, { token: "t", expiresAt: 1, role: "boss", id: "s" }],
  pushLogSchema: [
    { counts: { pending: 0, sent: 1, failed: 1, rate_limited: 0, no_credit: 0 }, arrivalRate: 0.5, items: [{ ...push, customerName: "张", staffName: null }] },
    { counts: {}, arrivalRate: null, items: [{ ...push }] },
  ],
  satisfactionReportSchema: [
    { distribution: [0, 0, 1, 2, 3], rated: 6, items: [{ conversationId: "c", customerName: null, staffName: "小李", rating: 5, comment: "好", startedAt: 1 }] },
    { distribution: [0, 0, 1], rated: 1, items: [] },
  ],
  reportQuerySchema: [{ from: "1", to: "5" }, { from: "5", to: "1" }, { from: "0", to: String(9 * 86_400_000), bucket: "hour" }, { from: "x", to: "1" }],
  templateBodySchema: [
    { kind: "quick_reply", title: " 问候 ", content: "您好" },
    { kind: "quick_reply", title: "", content: "您好" },
    { kind: "auto_reply", title: "t", content: "c", config: { trigger: "off_hours" } },
    { kind: "auto_reply", title: "t", content: "c", config: { trigger: "never" } },
  ],
  outcomeRequestSchema: [{ resolved: true }, {}, { converted: "yes" }],
  customerPatchSchema: [{ tags: [" a "], phone: "+86 138" }, { phone: "abc" }, { unknown: 1 }],
  subscriptionRequestSchema: [{ results: { TPL: "accept", errMsg: "ok" } }, { results: {} }, { results: { TPL: "maybe" } }],
};
const JUNK: unknown[] = [null, undefined, 0, "", "x", [], {}, { type: "message" }, [1, 2], true];

describe("zod-lite against zod", () => {
  it("gives the same verdicts and data on the protocol's messages", () => {
    for (const [name, values] of Object.entries(SAMPLES)) {
      const zodSchema = (real as unknown as Record<string, Parser>)[name];
      assert.ok(zodSchema && lite[name], name);
      for (const v of values) same(name, zodSchema, lite[name] as Parser, v);
    }
  });

  it("rejects junk wherever zod does, for every schema of the protocol", () => {
    const all = schemas();
    assert.ok(all.length > 50);
    for (const [name, zodSchema, liteSchema] of all) for (const v of JUNK) same(name, zodSchema, liteSchema, v);
  });
});
