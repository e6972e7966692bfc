import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { conversationsSql, customersSql, mintToken, newConversationId } from "../scripts/fixtures";
import { dumpLocalD1 } from "../scripts/local-d1";
import { restoreBackup } from "../scripts/restore";
import { backupName, DAILY_CRON, parseBackup, pruneBackups } from "../domain/backup";
import { runCron } from "./cron";
import { ALWAYS_WORKING, api, chatClient, copiedToD1, enter, eventually, loginCustomer, startTestSystem, TEST_SECRET, type TestSystem } from "./harness";

const freshDir = () => mkdtempSync(join(tmpdir(), "kefu-restore-test-"));


describe("backup pruning", () => {
  it("deletes backups more than 30 days old and keeps the rest", async () => {
    const now = Date.UTC(2026, 5, 30, 19);
    const keys = ["backups/2026-05-30.ndjson", "backups/2026-05-31.ndjson", "backups/2026-06-01.ndjson", "backups/2026-06-15.ndjson", "backups/2026-07-01.ndjson"];
    const stored = new Set(keys);
    const bucket = {
      async list() {
        return { objects: [...stored].map((key) => ({ key })), truncated: false };
      },
      async delete(k: string[]) {
        for (const key of k) stored.delete(key);
      },
    } as unknown as R2Bucket;
    assert.equal(backupName(now), "2026-07-01.ndjson", "named by the Beijing date");
    assert.deepEqual(await pruneBackups(bucket, now), keys.slice(0, 2));
    assert.deepEqual([...stored], keys.slice(2), "30 days old is kept, older goes");
  });
});

describe("daily backup and restore", () => {
  let sys: TestSystem;
  let stopped = false;
  const seeded = newConversationId();
  before(async () => {
    sys = await startTestSystem({
      extraSql: [
        ALWAYS_WORKING,
        customersSql([{ id: "u_backup01" }]),
        conversationsSql([{ id: seeded, customerId: "u_backup01", staffId: "s_kf02", status: "ended", endedAt: Date.now() }]),
        // Text that has to survive quoting both ways.
        `UPDATE users SET note = 'O''Brien "引号" \\ 换行\n第二行 <b>&amp;</b> 😀' WHERE id = 'u_backup01';`,
      ].join("\n"),
    });
  });
  after(async () => {
    if (!stopped) await sys?.close();
  });

  it("backs up every table on the daily cron, lets only admins download it, and restores it into an empty database", async () => {
    // Live data through the real paths: login, entry, messages both ways.
    const customer = await loginCustomer(sys, "backup-code");
    const entry = await enter(sys, customer.token);
    const staffLogin = { token: await mintToken(TEST_SECRET, entry.staff.id, "staff"), expiresAt: 0, role: "staff" as const, id: entry.staff.id };
    const customerChat = chatClient(sys, entry.conversationId, customer);
    const staffChat = chatClient(sys, entry.conversationId, staffLogin);
    await eventually(() => customerChat.open && staffChat.open, 10_000, "sockets open");
    customerChat.send({ kind: "text", text: "备份之前的消息" });
    staffChat.send({ kind: "text", text: "收到 'quoted' \"text\"" });
    await eventually(() => customerChat.pending.size === 0 && staffChat.pending.size === 0, 10_000, "acked");
    customerChat.close();
    staffChat.close();
    await copiedToD1(sys, entry.conversationId, 2);

    await runCron(sys, DAILY_CRON);
    const admin = await mintToken(TEST_SECRET, "s_admin", "admin");
    const items = await eventually(async () => {
      const res = await api(sys, "/api/admin/backups", { token: admin });
      return res.body.items?.length === 1 ? res.body.items : undefined;
    }, 15_000, "backup listed");
    const [item] = items;
    assert.equal(item.name, backupName(Date.now()));
    assert.ok(item.size > 0);

    const supervisor = await mintToken(TEST_SECRET, "s_sup01", "supervisor");
    assert.equal((await api(sys, "/api/admin/backups", { token: supervisor })).status, 403);
    assert.equal((await api(sys, "/api/admin/backups", { token: supervisor, method: "POST" })).status, 403);
    assert.equal((await api(sys, `/api/admin/backups/${item.name}`, { token: supervisor })).status, 403);
    assert.equal((await api(sys, `/api/admin/backups/${item.name}`)).status, 401);
    assert.equal((await api(sys, "/api/admin/backups/..%2Fmedia.ndjson", { token: admin })).status, 404);

    const download = await fetch(`${sys.url}/api/admin/backups/${item.name}`, { headers: { authorization: `Bearer ${admin}` } });
    assert.equal(download.status, 200);
    assert.match(download.headers.get("content-disposition") ?? "", /attachment/);
    const text = await download.text();
    const { header, rows } = parseBackup(text);
    assert.ok(header.tables.includes("messages") && header.tables.includes("conversations"));
    assert.equal(rows.filter((r) => r.t === "messages").length, 2);
    const file = join(freshDir(), item.name);
    writeFileSync(file, text);
    assert.throws(() => parseBackup(text.split("\n").slice(0, -2).join("\n")), /.+/, "a truncated file is refused");

    await sys.close();
    stopped = true;
    const original = await dumpLocalD1(sys.persistTo);
    assert.equal(original.messages.length, 2);

    const target = freshDir();
    await restoreBackup({ source: file, to: target });
    assert.deepEqual(await dumpLocalD1(target), original);
    await assert.rejects(restoreBackup({ source: file, to: target }), /not empty/);

    // Straight from the local R2 by key.
    const fromR2 = freshDir();
    await restoreBackup({ source: `backups/${item.name}`, to: fromR2, from: sys.persistTo });
    assert.deepEqual(await dumpLocalD1(fromR2), original);
  });
});
