// The baseline: a bare WebSocket relay on the `ws` package, no persistence, no auth. It speaks
// just enough of the room protocol (ack to the sender, message to the others in the room) for
// the load generator to drive it exactly like the real system, plus the staff inbox fan-out.
//   npx tsx bench/relay.ts   → prints {"port": …} on its first line
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

const rooms = new Map<string, { seq: number; staffId: string; sockets: Set<WebSocket> }>();
/** Staff inbox feeds: every message of a room also goes to its staff member's inbox sockets. */
const inboxes = new Map<string, Set<WebSocket>>();
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false, backlog: 4096 });

wss.on("connection", (ws, req) => {
  const url = new URL(req.url ?? "/", "http://relay");
  const [, kind, id = ""] = url.pathname.split("/");
  if (kind === "inbox") {
    const set = inboxes.get(id) ?? new Set();
    inboxes.set(id, set);
    set.add(ws);
    ws.on("close", () => set.delete(ws));
    return;
  }
  const party = url.searchParams.get("party") === "staff" ? "staff" : "customer";
  let room = rooms.get(id);
  if (!room) rooms.set(id, (room = { seq: 0, staffId: url.searchParams.get("staff") ?? "", sockets: new Set() }));
  const r = room;
  r.sockets.add(ws);
  ws.on("close", () => r.sockets.delete(ws));
  ws.on("message", (data) => {
    let frame: { type?: string; clientId?: string; content?: { text?: string } };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (frame.type !== "send" || typeof frame.clientId !== "string") return;
    const seq = ++r.seq;
    const sentAt = Date.now();
    ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId, seq, sentAt, duplicate: false }));
    const message = JSON.stringify({
      type: "message",
      message: { conversationId: id, seq, clientId: frame.clientId, sender: party, senderId: party, kind: "text", text: frame.content?.text ?? "", sentAt },
    });
    for (const other of r.sockets) if (other !== ws) other.send(message);
    const inbox = JSON.stringify({ type: "inbox", item: { id, lastMessagePreview: frame.content?.text ?? "", lastMessageAt: sentAt } });
    for (const feed of inboxes.get(r.staffId) ?? []) feed.send(inbox);
  });
});

wss.on("listening", () => console.log(JSON.stringify({ port: (wss.address() as AddressInfo).port })));
process.on("SIGTERM", () => process.exit(0));
