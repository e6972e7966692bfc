// bench/relay.ts on workerd: one Durable Object per conversation with hibernatable sockets (ack to
// the sender, the message to the room's other sockets) and one per staff member for the inbox feed,
// reached by an RPC per message, as kefu's rooms are. No auth, no parsing beyond JSON.
// Two switches add what the product cannot do without, and nothing else, to show their price:
//   RELAY_STORE=1        each message is written to the room's SQLite before its ack (one commit)
//   RELAY_CHECK_URL=…    each customer message is first POSTed there (the content check's HTTP call)
import { DurableObject } from "cloudflare:workers";
import { HEARTBEAT } from "../../protocol";

type Env = {
  RelayRoom: DurableObjectNamespace<RelayRoom>;
  RelayInbox: DurableObjectNamespace<RelayInbox>;
  RELAY_STORE?: string;
  RELAY_CHECK_URL?: string;
};

function accept(ctx: DurableObjectState, tags: string[]): Response {
  const [client, server] = Object.values(new WebSocketPair());
  ctx.acceptWebSocket(server, tags);
  return new Response(null, { status: 101, webSocket: client });
}

export class RelayRoom extends DurableObject<Env> {
  /** Increasing across hibernation without storage: the clock at wake, then one per message. */
  private seq = Date.now();

  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const party = url.searchParams.get("party") === "staff" ? "staff" : "customer";
    return accept(this.ctx, [party, `staff:${url.searchParams.get("staff") ?? ""}`]);
  }

  private stored = false;

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer) {
    let frame: { type?: string; clientId?: string; content?: { text?: string } };
    try {
      frame = JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
    } catch {
      return;
    }
    if (frame.type !== "send" || typeof frame.clientId !== "string") return;
    const [party, staffTag] = this.ctx.getTags(ws);
    if (party === "customer" && this.env.RELAY_CHECK_URL) {
      const res = await fetch(this.env.RELAY_CHECK_URL, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ content: frame.content?.text ?? "" }) });
      await res.json();
    }
    const seq = ++this.seq;
    const sentAt = Date.now();
    if (this.env.RELAY_STORE === "1") this.store(seq, frame.clientId, frame.content?.text ?? "", sentAt);
    ws.send(JSON.stringify({ type: "ack", clientId: frame.clientId, seq, sentAt, duplicate: false }));
    const id = this.ctx.id.name ?? "";
    const message = JSON.stringify({
      type: "message",
      message: { conversationId: id, seq, clientId: frame.clientId, sender: party, senderId: party, kind: "text", text: frame.content?.text ?? "", sentAt },
    });
    for (const other of this.ctx.getWebSockets()) if (other !== ws) other.send(message);
    const inbox = JSON.stringify({ type: "inbox", item: { id, lastMessagePreview: frame.content?.text ?? "", lastMessageAt: sentAt } });
    this.ctx.waitUntil(this.env.RelayInbox.getByName(staffTag.slice("staff:".length)).deliver(inbox));
  }

  private store(seq: number, clientId: string, text: string, sentAt: number) {
    if (!this.stored) {
      this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, text TEXT, sent_at INTEGER NOT NULL)");
      this.stored = true;
    }
    this.ctx.storage.sql.exec("INSERT INTO messages VALUES (?, ?, ?, ?) ON CONFLICT (client_id) DO NOTHING", seq, clientId, text, sentAt);
  }
}

export class RelayInbox extends DurableObject<Env> {
  override async fetch(): Promise<Response> {
    // The workbench's heartbeat is answered by the runtime, as kefu's staff room does.
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT.ping, HEARTBEAT.pong));
    return accept(this.ctx, []);
  }

  deliver(frame: string) {
    for (const ws of this.ctx.getWebSockets()) ws.send(frame);
  }
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    const [, kind, id = ""] = new URL(request.url).pathname.split("/");
    if (kind === "api") return Response.json({ ok: true });
    if (request.headers.get("upgrade") !== "websocket") return new Response("websocket only", { status: 426 });
    if (kind === "inbox") return env.RelayInbox.getByName(id).fetch(request);
    if (kind === "room") return env.RelayRoom.getByName(id).fetch(request);
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
