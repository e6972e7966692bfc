// Media upload: type by content, size limit, and access only for the parties of the conversation.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ALWAYS_WORKING,
  api,
  changeSettings,
  conversationPath,
  enter,
  loginCustomer,
  loginStaff,
  RawSocket,
  TEST_SECRET,
  useTestSystem,
  staffCodeOf,
} from "./harness";
import { PNG, uploadForm } from "./route-table";
import { signPath } from "../domain/auth/signed-url";
import { verifyToken } from "../domain/auth/token";
import { conversationsSql, customersSql, mintToken, newConversationId } from "../scripts/fixtures";

const endedConversation = newConversationId();
const sys = useTestSystem({
  extraSql: [
    ALWAYS_WORKING,
    customersSql([{ id: "u_media_ended" }]),
    conversationsSql([{ id: endedConversation, customerId: "u_media_ended", staffId: "s_kf01", status: "ended", endedAt: Date.now() }]),
  ].join("\n"),
});

/** A signed URL from POST /api/signed-urls, absolute. */
async function signedUrl(token: string, path: string): Promise<string> {
  const res = await api(sys, "/api/signed-urls", { token, body: { paths: [path] } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.expiresAt > Date.now());
  return `${sys.url}${res.body.urls[path]}`;
}

const MP3 = Buffer.concat([Buffer.from("ID3"), Buffer.alloc(200, 1)]);

function upload(token: string, conversationId: string, bytes: Buffer, name = "a.png", type = "image/png") {
  return api(sys, "/api/media", { token, raw: uploadForm(conversationId, bytes, name, type) });
}

describe("media", () => {
  it("stores an image and a voice clip, serves them to the parties only, and sends them as messages", async () => {
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    const image = await upload(customer.token, entry.conversationId, PNG);
    assert.equal(image.status, 201, JSON.stringify(image.body));
    assert.equal(image.body.kind, "image");
    assert.equal(image.body.contentType, "image/png");
    // Declared type and name do not matter: the bytes decide.
    const voice = await upload(customer.token, entry.conversationId, MP3, "photo.jpg", "image/jpeg");
    assert.equal(voice.status, 201);
    assert.equal(voice.body.kind, "voice");
    assert.equal(voice.body.contentType, "audio/mpeg");

    const socket = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await socket.opened;
    socket.send({ type: "send", clientId: "image-message-1", content: { kind: "image", mediaKey: image.body.key } });
    socket.send({ type: "send", clientId: "voice-message-1", content: { kind: "voice", mediaKey: voice.body.key, durationMs: 3200 } });
    await socket.waitFor("ack", (f) => f.clientId === "voice-message-1");

    const own = await fetch(await signedUrl(customer.token, `/api/${image.body.key}`));
    assert.equal(own.status, 200);
    assert.equal(own.headers.get("content-type"), "image/png");
    assert.deepEqual(Buffer.from(await own.arrayBuffer()), PNG);
    const staff = await loginStaff(sys, staffCodeOf(entry.staff));
    assert.equal((await api(sys, `/api/${image.body.key}`, { token: staff.token })).status, 200);

    const stranger = await loginCustomer(sys);
    assert.equal((await api(sys, `/api/${image.body.key}`, { token: stranger.token })).status, 404);
    const colleague = await loginStaff(sys, staffCodeOf(entry.staff) === "kf01" ? "kf02" : "kf01");
    assert.equal((await api(sys, `/api/${image.body.key}`, { token: colleague.token })).status, 403);
    assert.equal((await api(sys, `/api/${image.body.key}`)).status, 401);
    const other = await enter(sys, stranger.token);
    const notHers = await upload(stranger.token, entry.conversationId, PNG);
    assert.equal(notHers.status, 404);
    socket.send({ type: "send", clientId: "foreign-media-1", content: { kind: "image", mediaKey: image.body.key } });
    const strangerSocket = new RawSocket(sys, conversationPath(other.conversationId), stranger.token);
    await strangerSocket.opened;
    strangerSocket.send({ type: "send", clientId: "foreign-media-2", content: { kind: "image", mediaKey: image.body.key } });
    const refused = await strangerSocket.waitFor("error", (f) => f.clientId === "foreign-media-2");
    assert.equal(refused.code, "bad_frame");
    strangerSocket.close();
    socket.close();
  });

  it("serves media, QR codes and backups by URLs signed for one path and a few minutes, never by the login token in the URL", async () => {
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    const first = await upload(customer.token, entry.conversationId, PNG);
    const second = await upload(customer.token, entry.conversationId, PNG);
    const path = `/api/${first.body.key}`;
    // The long-lived login token in the query is refused (it used to be accepted here).
    assert.equal((await fetch(`${sys.url}${path}?token=${encodeURIComponent(customer.token)}`)).status, 401);
    const url = await signedUrl(customer.token, path);
    assert.match(url, /\?sig=[^&]+$/);
    assert.ok(!url.includes(customer.token));
    assert.equal((await fetch(url)).status, 200);
    // Only for its path: the same signature on another file of the same conversation is refused.
    const sig = new URL(url).searchParams.get("sig")!;
    assert.equal((await fetch(`${sys.url}/api/${second.body.key}?sig=${encodeURIComponent(sig)}`)).status, 401);
    // Only for GET routes the URL reaches: the signature is no bearer token either.
    assert.equal((await api(sys, "/api/auth/me", { token: sig })).status, 401);
    assert.equal((await fetch(`${sys.url}/api/auth/me?sig=${encodeURIComponent(sig)}`)).status, 401);
    // Until it expires.
    const claims = (await verifyToken(TEST_SECRET, customer.token))!;
    const expired = await signPath(TEST_SECRET, claims, path, -1);
    assert.equal((await fetch(`${sys.url}${expired}`)).status, 401);
    assert.equal((await fetch(`${sys.url}${await signPath(TEST_SECRET, claims, path, 60_000)}`)).status, 200);
    // A login token or a socket ticket in `sig` is not a URL signature.
    assert.equal((await fetch(`${sys.url}${path}?sig=${encodeURIComponent(customer.token)}`)).status, 401);
    const ticket = (await api(sys, "/api/auth/ticket", { token: customer.token, method: "POST" })).body.ticket;
    assert.equal((await fetch(`${sys.url}${path}?sig=${encodeURIComponent(ticket)}`)).status, 401);
    // Signing grants nothing: the signer's rights are checked when the URL is used.
    const stranger = await loginCustomer(sys);
    assert.equal((await fetch(await signedUrl(stranger.token, path))).status, 404);
    // Only media, QR codes, backups and the export can be signed.
    const refused = await api(sys, "/api/signed-urls", { token: customer.token, body: { paths: ["/api/auth/me"] } });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.code, "bad_request");

    const admin = await loginStaff(sys, "admin", "admin123");
    const qrcode = "/api/admin/staff/s_kf01/h5-qrcode";
    assert.equal((await fetch(`${sys.url}${qrcode}?token=${encodeURIComponent(admin.token)}`)).status, 401);
    const qr = await fetch(await signedUrl(admin.token, qrcode));
    assert.equal(qr.status, 200);
    assert.match(qr.headers.get("content-type") ?? "", /^image\//);
    assert.equal((await fetch(`${sys.url}/api/admin/backups/kefu-missing?token=${encodeURIComponent(admin.token)}`)).status, 401);
    assert.equal((await fetch(await signedUrl(admin.token, "/api/admin/backups/kefu-missing"))).status, 404);
    const staff = await loginStaff(sys, "kf02");
    assert.equal((await fetch(await signedUrl(staff.token, qrcode))).status, 403);
  });

  it("refuses files that are not images or voice, empty files, and files over the limit", async () => {
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token);
    const text = await upload(customer.token, entry.conversationId, Buffer.from("<script>alert(1)</script>"), "x.png");
    assert.equal(text.status, 415);
    assert.equal(text.body.code, "unsupported_media");
    const empty = await upload(customer.token, entry.conversationId, Buffer.alloc(0));
    assert.equal(empty.status, 400);

    const admin = await loginStaff(sys, "admin", "admin123");
    await changeSettings(sys, admin.token, { uploadMaxBytes: 100_000 });
    const big = await upload(customer.token, entry.conversationId, Buffer.concat([PNG, Buffer.alloc(200_000)]));
    assert.equal(big.status, 413);
    assert.equal(big.body.code, "too_large");
    assert.match(big.body.message, /文件不能超过/);
    const huge = await upload(customer.token, entry.conversationId, Buffer.concat([PNG, Buffer.alloc(11 * 1024 * 1024)]));
    assert.equal(huge.status, 413);
    const noForm = await api(sys, "/api/media", { token: customer.token, body: { file: "x" } });
    assert.equal(noForm.status, 400);
  });

  it("refuses uploads into an ended conversation", async () => {
    const res = await upload(await mintToken(TEST_SECRET, "u_media_ended", "customer"), endedConversation, PNG);
    assert.equal(res.status, 409);
    assert.equal(res.body.code, "conversation_ended");
  });
});
