// Asynchronous content check of customer images and voice (issue 14 item 4), the whole loop
// against the real runtime: the room asks WeChat (the fake) for media_check_async with a signed URL
// on PUBLIC_BASE_URL, the fake downloads the file and pushes the signed wxa_media_check event to
// /api/wechat/push, and a risky verdict flags the message (room log and D1) and hides the file
// from the customer.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { WebSocket } from "ws";
import { fetchSocketTicket } from "../client/api";
import { ConversationClient } from "../client/conversation-client";
import type { Message } from "../protocol";
import { freePort } from "../scripts/system";
import { MEDIA_CHECK_URL_TTL_MS } from "../domain/wechat/media-check";
import { runCron, TICK_CRON } from "./cron";
import { executeLocalD1, openLocalD1, selectAll } from "../scripts/local-d1";
import {
  ALWAYS_WORKING,
  api,
  conversationPath,
  copiedToD1,
  enter,
  eventually,
  loginCustomer,
  loginStaff,
  RawSocket,
  staffCodeOf,
  TEST_PUSH_TOKEN,
  useTestSystem,
} from "./harness";
import { PNG, signedPushQuery, uploadForm } from "./route-table";

const port = await freePort();
const sys = useTestSystem({ port, extraSql: ALWAYS_WORKING, vars: { PUBLIC_BASE_URL: `http://127.0.0.1:${port}` } });
const MP3 = Buffer.concat([Buffer.from("ID3"), Buffer.alloc(200, 1)]);

async function signed(token: string, path: string): Promise<string> {
  const res = await api(sys, "/api/signed-urls", { token, body: { paths: [path] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return `${sys.url}${res.body.urls[path]}`;
}

async function d1Rows<T>(query: string, args: (string | number)[]): Promise<T[]> {
  const db = openLocalD1(sys.persistTo);
  try {
    return await selectAll<T>(db, query, args);
  } finally {
    db.close();
  }
}

/** Waits until D1's copy of the message is flagged (search, exports, backups read D1). */
const flaggedInD1 = (conversationId: string, seq: number) =>
  eventually(async () => (await d1Rows<{ flagged: number }>("SELECT flagged FROM messages WHERE conversation_id = ? AND seq = ?", [conversationId, seq]))[0]?.flagged === 1, 10_000, "D1 copy flagged");

/** media_check_async calls the fake got for a file, refused ones included. */
const checksAskedFor = (key: string) =>
  sys.wechat.requests.filter((r) => r.route === "media_check_async" && String((r.body as { media_url?: unknown } | null)?.media_url).includes(`/api/${key}?`)).length;

/** A customer with a WeChat openid sends an image and a voice clip; returns what the fake was asked. */
async function sendMedia() {
  const customer = await loginCustomer(sys);
  const entry = await enter(sys, customer.token);
  const upload = async (bytes: Buffer) => (await api(sys, "/api/media", { token: customer.token, raw: uploadForm(entry.conversationId, bytes, "a.bin", "application/octet-stream") })).body;
  const image = await upload(PNG);
  const voice = await upload(MP3);
  const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
  await socket.opened;
  socket.send({ type: "send", clientId: "check-image-1", content: { kind: "image", mediaKey: image.key } });
  const imageAck = await socket.waitFor("ack", (f) => f.clientId === "check-image-1");
  socket.send({ type: "send", clientId: "check-voice-1", content: { kind: "voice", mediaKey: voice.key, durationMs: 2000 } });
  const voiceAck = await socket.waitFor("ack", (f) => f.clientId === "check-voice-1");
  socket.close();
  const traceOf = async (key: string) => {
    const found = await eventually(() => [...sys.wechat.mediaChecks.entries()].find(([, c]) => c.media_url.includes(`/api/${key}?sig=`)), 10_000, `media check of ${key}`);
    return found!;
  };
  const [imageTrace, imageCheck] = await traceOf(image.key);
  const [voiceTrace, voiceCheck] = await traceOf(voice.key);
  return { customer, entry, image, voice, imageSeq: imageAck.seq as number, voiceSeq: voiceAck.seq as number, imageTrace, imageCheck, voiceTrace, voiceCheck };
}

describe("media content check", () => {
  it("checks images and voice, and a risky verdict pushed by WeChat flags the message and hides the file from the customer", async () => {
    const sent = await sendMedia();
    assert.equal(sent.imageCheck.media_type, 2);
    assert.equal(sent.voiceCheck.media_type, 1);
    assert.ok(sent.imageCheck.media_url.startsWith(`http://127.0.0.1:${port}/api/${sent.image.key}?sig=`));
    // The URL WeChat downloads from is no login token and works for that file only.
    assert.ok(!sent.imageCheck.media_url.includes(sent.customer.token));
    const sig = new URL(sent.imageCheck.media_url).searchParams.get("sig")!;
    assert.equal((await fetch(`${sys.url}/api/${sent.voice.key}?sig=${encodeURIComponent(sig)}`)).status, 401);

    const staff = await loginStaff(sys, staffCodeOf(sent.entry.staff));
    const staffSocket = new RawSocket(sys, conversationPath(sent.entry.conversationId), staff.token);
    await staffSocket.opened;

    const risky = await sys.wechat.deliverMediaCheck(sent.imageTrace, "risky");
    assert.deepEqual(risky, { mediaStatus: 200, pushStatus: 200, pushBody: "success" });
    // Staff are told at once (the message again, flagged) and see the flag in the history.
    const flaggedFrame = await staffSocket.waitFor("message", (f) => f.message.seq === sent.imageSeq);
    assert.equal(flaggedFrame.message.flagged, true);
    staffSocket.close();
    const history = await api(sys, `/api/conversations/${sent.entry.conversationId}/messages`, { token: staff.token });
    const byClient = (id: string) => history.body.messages.find((m: { clientId: string }) => m.clientId === id);
    assert.equal(byClient("check-image-1").flagged, true);
    assert.equal(byClient("check-voice-1").flagged, false);
    // D1 has the flag too (search, exports, backups read D1).
    await copiedToD1(sys, sent.entry.conversationId, sent.voiceSeq);
    await flaggedInD1(sent.entry.conversationId, sent.imageSeq);
    // Hidden from the customer, still there for staff to review.
    const hidden = await fetch(await signed(sent.customer.token, `/api/${sent.image.key}`));
    assert.equal(hidden.status, 403);
    assert.equal(((await hidden.json()) as { code: string }).code, "forbidden");
    assert.equal((await fetch(await signed(staff.token, `/api/${sent.image.key}`))).status, 200);

    // Idempotent by trace_id: the same event again changes nothing.
    const checkedBefore = await d1Rows<{ suggest: string; checked_at: number }>("SELECT suggest, checked_at FROM media_checks WHERE trace_id = ?", [sent.imageTrace]);
    assert.equal(checkedBefore[0].suggest, "risky");
    assert.deepEqual(await sys.wechat.deliverMediaCheck(sent.imageTrace, "risky"), risky);
    assert.deepEqual(await d1Rows("SELECT suggest, checked_at FROM media_checks WHERE trace_id = ?", [sent.imageTrace]), checkedBefore);

    // A pass leaves the voice clip as it was.
    assert.equal((await sys.wechat.deliverMediaCheck(sent.voiceTrace, "pass")).pushStatus, 200);
    await eventually(async () => (await d1Rows<{ suggest: string }>("SELECT suggest FROM media_checks WHERE trace_id = ?", [sent.voiceTrace]))[0]?.suggest === "pass", 10_000, "pass recorded");
    assert.equal((await fetch(await signed(sent.customer.token, `/api/${sent.voice.key}`))).status, 200);
    const after = await api(sys, `/api/conversations/${sent.entry.conversationId}/messages`, { token: staff.token });
    assert.equal(after.body.messages.find((m: { clientId: string }) => m.clientId === "check-voice-1").flagged, false);
  });

  it("flags media WeChat would not check: a refused media_check_async, and a guest's image (no openid)", async () => {
    sys.wechat.failNext("media_check_async", 45009);
    const customer = await loginCustomer(sys, "media-check-refused");
    const entry = await enter(sys, customer.token);
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    // The staff side is the clients' own ConversationClient (mini program, H5 and workbench chat).
    const updated: Message[] = [];
    const staffClient = new ConversationClient({
      host: sys.host,
      conversationId: entry.conversationId,
      ticket: () => fetchSocketTicket(`http://${sys.host}`, staff.token),
      self: { party: "staff", id: staff.id },
      WebSocket,
      events: { updated: (m) => updated.push(m) },
    });
    await eventually(() => staffClient.open, 10_000, "staff client open");
    const upload = async (token: string, conversationId: string) => (await api(sys, "/api/media", { token, raw: uploadForm(conversationId, PNG, "a.png", "image/png") })).body;
    const image = await upload(customer.token, entry.conversationId);
    const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "refused-check-1", content: { kind: "image", mediaKey: image.key } });
    const ack = await socket.waitFor("ack", (f) => f.clientId === "refused-check-1");
    // Shown at once, then flagged in place when WeChat refuses the check: one message, now flagged.
    await eventually(() => updated.length > 0, 10_000, "the flag reaches the staff client");
    assert.deepEqual(updated.map((m) => [m.seq, m.flagged]), [[ack.seq, true]]);
    assert.deepEqual(staffClient.history().filter((m) => m.seq === ack.seq).map((m) => m.flagged), [true]);
    staffClient.close();
    assert.equal(checksAskedFor(image.key), 1);
    const history = await api(sys, `/api/conversations/${entry.conversationId}/messages`, { token: staff.token });
    assert.equal(history.body.messages.find((m: { clientId: string }) => m.clientId === "refused-check-1").flagged, true);
    await flaggedInD1(entry.conversationId, ack.seq);
    // The file stays visible to the customer: nobody found it risky.
    assert.equal((await fetch(await signed(customer.token, `/api/${image.key}`))).status, 200);
    socket.close();

    // A guest has no openid WeChat knows: the image is stored flagged, WeChat is not asked.
    const guest = await api(sys, "/api/auth/guest", { body: { deviceId: "media-check-guest" } });
    assert.equal(guest.status, 200);
    const guestEntry = await enter(sys, guest.body.token);
    const guestImage = await upload(guest.body.token, guestEntry.conversationId);
    const guestSocket = new RawSocket(sys, conversationPath(guestEntry.conversationId), guest.body.token);
    await guestSocket.opened;
    guestSocket.send({ type: "send", clientId: "guest-image-1", content: { kind: "image", mediaKey: guestImage.key } });
    await guestSocket.waitFor("ack", (f) => f.clientId === "guest-image-1");
    guestSocket.close();
    const guestStaff = await loginStaff(sys, staffCodeOf(guestEntry.staff));
    const guestHistory = await api(sys, `/api/conversations/${guestEntry.conversationId}/messages`, { token: guestStaff.token });
    assert.equal(guestHistory.body.messages.find((m: { clientId: string }) => m.clientId === "guest-image-1").flagged, true);
    assert.equal(checksAskedFor(guestImage.key), 0);
  });

  it("flags media WeChat took but gave no verdict on before its download URL expired, once, and still takes a late verdict", async () => {
    const sent = await sendMedia();
    const staff = await loginStaff(sys, staffCodeOf(sent.entry.staff));
    const flaggedInRoom = async () => {
      const history = await api(sys, `/api/conversations/${sent.entry.conversationId}/messages`, { token: staff.token });
      return history.body.messages.filter((m: Message) => m.flagged).map((m: Message) => m.seq);
    };
    await runCron(sys, TICK_CRON);
    assert.deepEqual(await flaggedInRoom(), [], "not yet: WeChat has an hour");
    // The image's check is over an hour old now; the voice clip's is not.
    await executeLocalD1(sys.persistTo, `UPDATE media_checks SET created_at = created_at - ${MEDIA_CHECK_URL_TTL_MS + 60_000} WHERE trace_id = '${sent.imageTrace}';`);
    await runCron(sys, TICK_CRON);
    assert.deepEqual(await flaggedInRoom(), [sent.imageSeq]);
    await flaggedInD1(sent.entry.conversationId, sent.imageSeq);
    const [closed] = await d1Rows<{ checked_at: number | null; suggest: string | null }>("SELECT checked_at, suggest FROM media_checks WHERE trace_id = ?", [sent.imageTrace]);
    assert.ok(closed.checked_at !== null);
    assert.equal(closed.suggest, null);
    // Closed: the next tick leaves it alone.
    await runCron(sys, TICK_CRON);
    assert.deepEqual(await d1Rows("SELECT checked_at, suggest FROM media_checks WHERE trace_id = ?", [sent.imageTrace]), [closed]);
    // The file stays visible to the customer until a verdict says risky; a late one still counts.
    assert.equal((await fetch(await signed(sent.customer.token, `/api/${sent.image.key}`))).status, 200);
    assert.equal((await sys.wechat.deliverMediaCheck(sent.imageTrace, "risky")).pushStatus, 200);
    assert.equal((await fetch(await signed(sent.customer.token, `/api/${sent.image.key}`))).status, 403);
  });

  it("answers WeChat's URL verification and refuses pushes without a valid signature", async () => {
    const echo = await fetch(`${sys.url}/api/wechat/push?${signedPushQuery()}&echostr=abc123`);
    assert.equal(echo.status, 200);
    assert.equal(await echo.text(), "abc123");
    const wrongToken = await fetch(`${sys.url}/api/wechat/push?${signedPushQuery("another-token")}&echostr=abc123`);
    assert.equal(wrongToken.status, 403);
    assert.equal(((await wrongToken.json()) as { code: string }).code, "forbidden");
    assert.equal((await fetch(`${sys.url}/api/wechat/push?echostr=abc123`)).status, 403);
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    assert.equal((await fetch(`${sys.url}/api/wechat/push?${signedPushQuery(TEST_PUSH_TOKEN, old)}&echostr=x`)).status, 403);

    // A forged risky verdict without the signature flags nothing.
    const sent = await sendMedia();
    const event = { ToUserName: "gh_x", FromUserName: "o", CreateTime: 1, MsgType: "event", Event: "wxa_media_check", trace_id: sent.imageTrace, result: { suggest: "risky", label: 20002 }, detail: [] };
    const forged = await fetch(`${sys.url}/api/wechat/push?signature=0000&timestamp=${Math.floor(Date.now() / 1000)}&nonce=1`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) });
    assert.equal(forged.status, 403);
    const rows = await d1Rows<{ suggest: string | null }>("SELECT suggest FROM media_checks WHERE trace_id = ?", [sent.imageTrace]);
    assert.equal(rows[0].suggest, null);
    assert.equal((await fetch(await signed(sent.customer.token, `/api/${sent.image.key}`))).status, 200);
    // Unknown events and trace ids are acknowledged, so WeChat does not retry them.
    const unknown = await fetch(`${sys.url}/api/wechat/push?${signedPushQuery()}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...event, trace_id: "nope" }) });
    assert.equal(await unknown.text(), "success");
  });

  it("the fake refuses media_check_async calls WeChat would refuse", async () => {
    const token = (await (await fetch(`${sys.wechat.url}/cgi-bin/stable_token`, { method: "POST", body: JSON.stringify({ grant_type: "client_credential", appid: sys.wechat.appid, secret: sys.wechat.secret }) })).json()) as { access_token: string };
    const call = async (body: unknown) =>
      ((await (await fetch(`${sys.wechat.url}/wxa/media_check_async?access_token=${token.access_token}`, { method: "POST", body: JSON.stringify(body) })).json()) as { errcode: number; trace_id?: string });
    const customer = await loginCustomer(sys, "media-check-fake");
    assert.ok(customer.token);
    const { fakeOpenid } = await import("../fake-wechat/server");
    const good = { media_url: "https://example.com/a.png", media_type: 2, version: 2, scene: 2, openid: fakeOpenid("media-check-fake") };
    const ok = await call(good);
    assert.equal(ok.errcode, 0);
    assert.match(ok.trace_id ?? "", /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    assert.equal((await call({ ...good, media_url: undefined })).errcode, 47001);
    assert.equal((await call({ ...good, media_url: "a.png" })).errcode, 47001);
    assert.equal((await call({ ...good, media_type: 3 })).errcode, 47001);
    assert.equal((await call({ ...good, version: 1 })).errcode, 47001);
    assert.equal((await call({ ...good, scene: 9 })).errcode, 40129);
    assert.equal((await call({ ...good, openid: undefined })).errcode, 40003);
    assert.equal((await call({ ...good, openid: fakeOpenid("never-visited") })).errcode, 43104);
  });
});
