// Presence that tells the truth, against wrangler dev: a staff member is online only while one of
// their inbox sockets is alive (heartbeat), and the monitor, customers' staff cards and assignment agree.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type WebSocket from "ws";
import { HEARTBEAT, type MonitorFrame, type Presence } from "../protocol";
import { ALWAYS_WORKING, api, conversationPath, enter, eventually, loginCustomer, loginStaff, RawSocket, staffPath, useTestSystem, staffCodeOf, knowStaffCode } from "./harness";

let admin: string;
const sys = useTestSystem({ extraSql: ALWAYS_WORKING }, async () => {
  admin = (await loginStaff(sys, "admin", "admin123")).token;
});

let staffCount = 0;
async function newStaff() {
  const code = `pr${++staffCount}${Math.random().toString(36).slice(2, 6)}`;
  const res = await api(sys, "/api/admin/staff", { token: admin, body: { code, name: `顾问${staffCount}`, password: "demo123" } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const login = await loginStaff(sys, code);
  knowStaffCode(login.id, code);
  return { code, id: login.id, token: login.token };
}

/** An inbox socket like the staff clients': pings on the heartbeat interval until stopped. */
async function inbox(staff: { id: string; token: string }, heartbeat = true) {
  const socket = new RawSocket(sys, staffPath(staff.id), staff.token);
  await socket.opened;
  await socket.waitFor("presence");
  const timer = heartbeat ? setInterval(() => socket.ws.readyState === 1 && socket.ws.send(HEARTBEAT.ping), HEARTBEAT.intervalMs / 2) : null;
  // A failed test must not keep the process alive.
  timer?.unref();
  return {
    socket,
    /** The phone drops off the network: no close frame, no more pings, nothing read. */
    vanish() {
      if (timer) clearInterval(timer);
      (socket.ws as WebSocket & { _socket: import("node:net").Socket })._socket.pause();
    },
    close() {
      if (timer) clearInterval(timer);
      // terminate: a paused socket would wait for a close handshake that never comes.
      socket.ws.terminate();
    },
  };
}

async function monitor() {
  const socket = new RawSocket(sys, "/parties/monitor-room/main", admin);
  await socket.opened;
  const latest = (staffId: string): Presence | undefined => {
    let found: Presence | undefined;
    for (const f of socket.frames as unknown as MonitorFrame[]) {
      if (f.type === "monitor") found = f.staff.find((e) => e.staffId === staffId)?.presence ?? found;
      else if (f.type === "monitor-update" && f.entry.staffId === staffId) found = f.entry.presence;
    }
    return found;
  };
  return { socket, latest };
}

/** Presence as the staff card shows it to a customer served by that staff member. */
async function staffCardPresence(customerToken: string, conversationId: string): Promise<Presence> {
  return (await api(sys, `/api/conversations/${conversationId}`, { token: customerToken })).body.staff.presence;
}

describe("presence", () => {
  it("turns a staff member whose socket died without a close frame offline within 30 s, on the monitor, the staff card and for assignment", async (t) => {
    const gone = await newStaff();
    const alive = await newStaff();
    const mon = await monitor();
    const goneInbox = await inbox(gone);
    const aliveInbox = await inbox(alive);
    await eventually(() => mon.latest(gone.id) === "online" && mon.latest(alive.id) === "online", 10_000, "both online on the monitor");

    // A customer served by `gone`, with the chat page open.
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token, gone.code);
    assert.equal(staffCodeOf(entry.staff), gone.code);
    assert.equal(entry.staff.presence, "online");
    const page = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await page.opened;

    goneInbox.vanish();
    t.after(() => goneInbox.close());
    // The room gives up on a socket after HEARTBEAT.deadAfterMs of silence; the wait allows for a loaded machine.
    await eventually(() => mon.latest(gone.id) === "offline", HEARTBEAT.deadAfterMs + 25_000, "monitor shows the vanished staff offline");
    // The customer's page was told, and the staff card agrees.
    await page.waitFor("presence", (f) => f.staffId === gone.id && f.presence === "offline", 5000);
    assert.equal(await staffCardPresence(customer.token, entry.conversationId), "offline");
    // Assignment reads the same truth: a new customer scanning the code goes elsewhere.
    const next = await enter(sys, (await loginCustomer(sys)).token, gone.code);
    assert.notEqual(staffCodeOf(next.staff), gone.code);

    // The socket that kept its heartbeat through the same time is still online everywhere.
    assert.equal(mon.latest(alive.id), "online");
    const scanned = await enter(sys, (await loginCustomer(sys)).token, alive.code);
    assert.equal(staffCodeOf(scanned.staff), alive.code);
    assert.equal(scanned.staff.presence, "online");

    aliveInbox.close();
    page.close();
    mon.socket.close();
  });

  it("tells the customer pages that are open, follows a transfer, and a page opened later reads the card", async () => {
    const first = await newStaff();
    const second = await newStaff();
    const firstFeed = await inbox(first);
    const secondFeed = await inbox(second);
    const customer = await loginCustomer(sys);
    const entry = await enter(sys, customer.token, first.code);
    let page = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await page.opened;
    await page.waitFor("conversation");

    // Busy and back: the open page sees both.
    firstFeed.socket.send({ type: "status", presence: "busy" });
    await page.waitFor("presence", (f) => f.staffId === first.id && f.presence === "busy");
    firstFeed.socket.send({ type: "status", presence: "online" });
    await page.waitFor("presence", (f) => f.staffId === first.id && f.presence === "online");

    // The page closed: a change meanwhile reaches no socket, and the reopened page reads the card.
    await page.closeHandshake();
    firstFeed.socket.frames.length = 0;
    firstFeed.socket.send({ type: "status", presence: "busy" });
    await firstFeed.socket.waitFor("presence", (f) => f.presence === "busy");
    assert.equal(await staffCardPresence(customer.token, entry.conversationId), "busy");
    page = new RawSocket(sys, conversationPath(entry.conversationId), customer.token);
    await page.opened;
    await page.waitFor("conversation");

    // Transferred: the page now follows the new staff member, not the old one.
    const moved = await api(sys, `/api/conversations/${entry.conversationId}/transfer`, { token: first.token, body: { toStaffId: second.id } });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    await page.waitFor("conversation", (f) => f.conversation.staffId === second.id);
    secondFeed.socket.send({ type: "status", presence: "busy" });
    await page.waitFor("presence", (f) => f.staffId === second.id && f.presence === "busy");
    page.frames.length = 0;
    firstFeed.socket.frames.length = 0;
    firstFeed.socket.send({ type: "status", presence: "online" });
    await firstFeed.socket.waitFor("presence", (f) => f.presence === "online");
    secondFeed.socket.send({ type: "status", presence: "online" });
    await page.waitFor("presence", (f) => f.staffId === second.id && f.presence === "online");
    assert.equal(page.frames.some((f) => f.type === "presence" && f.staffId === first.id), false, "the old staff member's changes no longer reach the page");

    page.close();
    firstFeed.close();
    secondFeed.close();
  });

  it("turns a staff member offline when the connection is torn down without a close frame", async () => {
    const staff = await newStaff();
    const mon = await monitor();
    const socket = await inbox(staff, false);
    await eventually(() => mon.latest(staff.id) === "online", 10_000, "online on the monitor");
    (socket.socket.ws as WebSocket & { _socket: import("node:net").Socket })._socket.destroy();
    await eventually(() => mon.latest(staff.id) === "offline", HEARTBEAT.deadAfterMs + 25_000, "offline on the monitor");
    const next = await enter(sys, (await loginCustomer(sys)).token, staff.code);
    assert.notEqual(staffCodeOf(next.staff), staff.code);
    mon.socket.close();
  });

  it("lets staff choose online, busy or offline without losing their socket", async () => {
    const staff = await newStaff();
    const mon = await monitor();
    const feed = await inbox(staff);
    let closed = false;
    feed.socket.ws.on("close", () => (closed = true));
    const choose = async (presence: Presence) => {
      feed.socket.frames.length = 0;
      feed.socket.send({ type: "status", presence });
      await feed.socket.waitFor("presence", (f) => f.presence === presence);
      await eventually(() => mon.latest(staff.id) === presence, 10_000, `monitor shows ${presence}`);
    };

    await choose("offline");
    assert.equal(closed, false, "the inbox socket stays open");
    const whileOffline = await enter(sys, (await loginCustomer(sys)).token, staff.code);
    assert.notEqual(staffCodeOf(whileOffline.staff), staff.code, "no new customers while offline");
    const colleagues = await api(sys, "/api/colleagues", { token: admin });
    assert.equal(colleagues.body.staff.find((s: any) => s.id === staff.id).presence, "offline");

    await choose("busy");
    await choose("online");
    const whileOnline = await enter(sys, (await loginCustomer(sys)).token, staff.code);
    assert.equal(staffCodeOf(whileOnline.staff), staff.code);
    assert.equal(closed, false);
    feed.close();
    mon.socket.close();
  });
});
