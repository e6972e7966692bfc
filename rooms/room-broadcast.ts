// Sends to a room's hibernatable sockets directly. partyserver's broadcast and getConnections
// deserialize every socket's attachment on every call to tell its own sockets from others; every
// socket of our rooms is partyserver's, so that work (a V8 deserialization per socket per frame)
// is skipped. `without` is compared by identity: within an isolate a socket is one object.

type Which = { tag?: string; without?: WebSocket };

function* openSockets(ctx: DurableObjectState, which: Which): Generator<WebSocket> {
  for (const ws of ctx.getWebSockets(which.tag)) {
    if (ws !== which.without && ws.readyState === WebSocket.OPEN) yield ws;
  }
}

export function broadcastTo(ctx: DurableObjectState, data: string, which: Which = {}): void {
  for (const ws of openSockets(ctx, which)) {
    try {
      ws.send(data);
    } catch {
      // Closed under us; its client resyncs on reconnect.
    }
  }
}

/** Whether a socket is open here (`without`: one being closed, whatever state it reports). */
export function hasSocket(ctx: DurableObjectState, which: Which): boolean {
  return !openSockets(ctx, which).next().done;
}
