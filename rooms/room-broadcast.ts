// Sends to a room's hibernatable sockets directly. partyserver's broadcast and getConnections
// deserialize every socket's attachment on every call to tell its own sockets from others; every
// socket of our rooms is partyserver's, so that work (a V8 deserialization per socket per frame)
// is skipped. `without` is compared by identity: within an isolate a socket is one object.

export function broadcastTo(ctx: DurableObjectState, data: string, opts: { tag?: string; without?: WebSocket } = {}): void {
  for (const ws of ctx.getWebSockets(opts.tag)) {
    if (ws === opts.without || ws.readyState !== WebSocket.OPEN) continue;
    try {
      ws.send(data);
    } catch {
      // Closed under us; its client resyncs on reconnect.
    }
  }
}

/** Whether a socket with this tag is open here. */
export function hasSocket(ctx: DurableObjectState, tag: string): boolean {
  return ctx.getWebSockets(tag).some((ws) => ws.readyState === WebSocket.OPEN);
}
