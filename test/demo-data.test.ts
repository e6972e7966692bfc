// `npm start`'s demo data on an empty database: every admin page has something real to show, and
// a database that already holds data is left as it was.
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { prepareDatabase } from "../scripts/system";
import { queryJson } from "../scripts/wrangler";

describe("demo data", () => {
  it("seeds customers, 30 days of conversations with messages, ratings, outcomes, pushes and templates, once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kefu-demo-"));
    assert.equal(await prepareDatabase(dir, undefined, true), true);
    const count = async (sql: string) => Number((await queryJson<{ n: number }>(dir, sql))[0].n);
    assert.ok((await count("SELECT count(*) AS n FROM users")) >= 30);
    assert.ok((await count("SELECT count(*) AS n FROM conversations")) >= 100);
    assert.ok((await count("SELECT count(*) AS n FROM messages")) >= 300);
    const days = await count("SELECT count(DISTINCT started_at / 86400000) AS n FROM conversations");
    assert.ok(days >= 20, `spread over the month: ${days} days`);
    assert.ok((await count("SELECT count(*) AS n FROM conversations WHERE rating IS NOT NULL AND rating_comment IS NOT NULL")) > 0);
    assert.ok((await count("SELECT count(*) AS n FROM conversations WHERE resolved = 1")) > 0);
    assert.ok((await count("SELECT count(*) AS n FROM conversations WHERE converted = 1")) > 0);
    assert.ok((await count("SELECT count(*) AS n FROM pushes WHERE status = 'failed'")) > 0);
    assert.ok((await count("SELECT count(*) AS n FROM pushes WHERE status = 'sent'")) > 0);
    assert.ok((await count("SELECT count(*) AS n FROM templates WHERE kind = 'quick_reply'")) > 0);
    assert.ok((await count("SELECT count(*) AS n FROM conversations WHERE status = 'active' AND unread_staff > 0")) > 0);
    // last_seq agrees with the stored messages, so the rooms continue the numbering.
    assert.equal(await count("SELECT count(*) AS n FROM conversations c WHERE last_seq <> (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)"), 0);

    // An open conversation whose last message is the customer's awaits a reply (the inbox's 待回复), and only those.
    const lastFromCustomer = "(SELECT sender_type FROM messages m WHERE m.conversation_id = c.id ORDER BY seq DESC LIMIT 1) = 'customer'";
    assert.ok((await count("SELECT count(*) AS n FROM conversations WHERE awaiting_reply = 1")) > 0);
    assert.equal(await count(`SELECT count(*) AS n FROM conversations c WHERE awaiting_reply <> (c.status <> 'ended' AND ${lastFromCustomer})`), 0);
    // Customers were last active in their latest conversation, not all at the moment of seeding.
    assert.equal(await count("SELECT count(*) AS n FROM users u WHERE u.id LIKE 'u_demo%' AND u.last_active_at <> COALESCE((SELECT max(last_message_at) FROM conversations c WHERE c.customer_id = u.id), u.created_at)"), 0);
    assert.ok((await count("SELECT count(DISTINCT last_active_at) AS n FROM users WHERE id LIKE 'u_demo%'")) > 20);

    const before = await count("SELECT count(*) AS n FROM conversations");
    assert.equal(await prepareDatabase(dir, undefined, true), false);
    assert.equal(await count("SELECT count(*) AS n FROM conversations"), before);
  });
});
