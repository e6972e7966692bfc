// The authorization table (test/route-table.ts) lists every route the Worker really serves, and
// no route it does not: the routes come from the Hono app itself, not from a copy of its list.
import assert from "node:assert/strict";
import { register } from "node:module";
import { describe, it } from "node:test";
import WebSocket from "ws";
import { ROUTES, type World } from "../route-table";

register("./workers-stub.mjs", import.meta.url);
// partyserver, imported by the routes that reach rooms, expects the runtime's WebSocket global.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
const { app } = await import("../../worker/app");

const PLACEHOLDERS = { conversationId: "c_placeholder", customerId: "u_placeholder", staffId: "s_placeholder", mediaKey: "media/c_placeholder/f" } as World;

/** A Hono path pattern as a regular expression over concrete paths. */
function pattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((part) => (part === "*" ? ".*" : part.startsWith(":") ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return new RegExp(`^${source}$`);
}

const served = [...new Map(app.routes.filter((r) => r.method !== "ALL").map((r) => [`${r.method} ${r.path}`, r])).values()];
const listed = ROUTES.map((r) => ({ method: r.method, path: r.path(PLACEHOLDERS).split("?")[0] }));

describe("authorization table", () => {
  it("lists every route the Worker serves", () => {
    const missing = served.filter((r) => !listed.some((l) => l.method === r.method && pattern(r.path).test(l.path)));
    assert.deepEqual(missing.map((r) => `${r.method} ${r.path}`), [], "add these routes to test/route-table.ts with the roles allowed to use them");
  });

  it("lists no route the Worker does not serve", () => {
    const stale = listed.filter((l) => !served.some((r) => r.method === l.method && pattern(r.path).test(l.path)));
    assert.deepEqual(stale.map((l) => `${l.method} ${l.path}`), []);
  });

  it("found the routes at all", () => {
    assert.ok(served.length >= 60, `only ${served.length} routes found`);
  });
});
