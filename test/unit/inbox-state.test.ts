// The staff inbox list on the client: live frames merged into the page, filters and rows.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { inboxRows, matchesFilter, rangeStart, removeItem, totalUnread, upsertItem, type InboxFilter } from "../../client/inbox-state";
import type { InboxItem } from "../../protocol";

const NOW = new Date(2026, 0, 15, 12, 0).getTime(); // local noon
const DAY = 86_400_000;
const item = (id: string, over: Partial<InboxItem> = {}): InboxItem => ({
  id,
  customerId: `u_customer${id}`,
  customerName: null,
  customerAvatar: null,
  staffId: "s_kf01",
  status: "active",
  source: "direct",
  createdAt: NOW - DAY * 40,
  lastMessageAt: NOW - 1000,
  lastMessagePreview: "你好",
  unread: 0,
  awaitingReply: false,
  ...over,
});
const all: InboxFilter = { range: "all" };

describe("inbox state", () => {
  it("starts ranges at local midnight", () => {
    assert.equal(rangeStart("all", NOW), undefined);
    assert.equal(rangeStart("today", NOW), new Date(2026, 0, 15).getTime());
    assert.equal(rangeStart("7d", NOW), new Date(2026, 0, 15).getTime() - 6 * DAY);
    assert.equal(rangeStart("30d", NOW), new Date(2026, 0, 15).getTime() - 29 * DAY);
  });

  it("filters by status and by the last message, or the start when there is none", () => {
    assert.equal(matchesFilter(item("a"), { status: "active", range: "today" }, NOW), true);
    assert.equal(matchesFilter(item("a"), { status: "ended", range: "all" }, NOW), false);
    assert.equal(matchesFilter(item("a", { lastMessageAt: NOW - 2 * DAY }), { range: "today" }, NOW), false);
    assert.equal(matchesFilter(item("a", { lastMessageAt: null, createdAt: NOW - 2 * DAY }), { range: "7d" }, NOW), true);
    assert.equal(matchesFilter(item("a", { lastMessageAt: null }), { range: "30d" }, NOW), false);
  });

  it("replaces or adds live items newest first, and drops those that leave the filter", () => {
    let items = [item("a", { lastMessageAt: NOW - 3000 }), item("b", { lastMessageAt: NOW - 5000 })];
    items = upsertItem(items, item("b", { lastMessageAt: NOW - 1000, unread: 2 }), all, NOW);
    assert.deepEqual(items.map((i) => [i.id, i.unread]), [["b", 2], ["a", 0]]);
    items = upsertItem(items, item("c", { lastMessageAt: NOW - 4000 }), all, NOW);
    assert.deepEqual(items.map((i) => i.id), ["b", "a", "c"]);
    items = upsertItem(items, item("a", { status: "ended" }), { status: "active", range: "all" }, NOW);
    assert.deepEqual(items.map((i) => i.id), ["b", "c"]);
    assert.deepEqual(removeItem(items, "b").map((i) => i.id), ["c"]);
    assert.deepEqual(removeItem(items, "zzz").map((i) => i.id), ["b", "c"]);
  });

  it("shows rows with a fallback name, badges and the unread total", () => {
    const items = [item("a", { unread: 150, customerAvatar: "/a.png" }), item("b", { customerName: "张三", lastMessagePreview: null, lastMessageAt: null })];
    const rows = inboxRows(items, (p) => `https://cdn${p ?? "/default.png"}`, NOW);
    assert.deepEqual(
      rows.map((r) => [r.name, r.avatar, r.preview, r.badge, r.statusLabel !== "", r.time === ""]),
      [
        ["顾客 mera", "https://cdn/a.png", "你好", "99+", true, false],
        ["张三", "https://cdn/default.png", "", "", true, true],
      ],
    );
    assert.equal(totalUnread(items), 150);
  });
});
