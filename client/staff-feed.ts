// The staff member's own socket to their StaffRoom: presence, the live inbox feed and the heartbeat
// that keeps them online (the room counts a socket silent for HEARTBEAT.deadAfterMs as gone).
import PartySocket from "partysocket";
import { HEARTBEAT, isRevocationFrame, type InboxItem, type Presence, serverFrameSchema, type StaffClientFrame, type StaffStatus } from "../protocol";

export type StaffFeedEvents = {
  presence?: (presence: Presence) => void;
  inbox?: (item: InboxItem) => void;
  remove?: (conversationId: string, reason: "transfer" | "ended") => void;
  status?: (open: boolean) => void;
};

export class StaffFeed {
  readonly socket: PartySocket;
  /** The status chosen on this device, sent again after each reconnect. */
  private chosen: StaffStatus | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lastPong = 0;

  constructor(options: {
    host: string;
    protocol?: "ws" | "wss";
    staffId: string;
    /** A fresh socket ticket for each (re)connect (`ApiClient.socketTicket`). */
    ticket: () => Promise<string>;
    WebSocket?: unknown;
    events: StaffFeedEvents;
  }) {
    const { events } = options;
    this.socket = new PartySocket({
      host: options.host,
      protocol: options.protocol,
      party: "staff-room",
      room: options.staffId,
      query: async () => ({ ticket: await options.ticket() }),
      WebSocket: options.WebSocket,
      maxEnqueuedMessages: 0,
      minReconnectionDelay: 300 + Math.random() * 500,
      maxReconnectionDelay: 10_000,
    });
    this.socket.addEventListener("open", () => {
      this.startHeartbeat();
      if (this.chosen) this.sendStatus(this.chosen);
      events.status?.(true);
    });
    this.socket.addEventListener("close", () => {
      this.stopHeartbeat();
      events.status?.(false);
    });
    this.socket.addEventListener("message", (e: MessageEvent) => {
      if (e.data === HEARTBEAT.pong) {
        this.lastPong = Date.now();
        return;
      }
      let frame;
      try {
        frame = serverFrameSchema.parse(JSON.parse(String(e.data)));
      } catch {
        return;
      }
      if (isRevocationFrame(frame)) this.socket.reconnect();
      else if (frame.type === "presence") events.presence?.(frame.presence);
      else if (frame.type === "inbox") events.inbox?.(frame.item);
      else if (frame.type === "inbox-remove") events.remove?.(frame.conversationId, frame.reason);
    });
  }

  /** Pings while open; a socket that hears no answer for as long as the room waits is replaced. */
  private startHeartbeat() {
    this.stopHeartbeat();
    this.lastPong = Date.now();
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastPong > HEARTBEAT.deadAfterMs) {
        this.socket.reconnect();
        return;
      }
      if (this.socket.readyState === 1) this.socket.send(HEARTBEAT.ping);
    }, HEARTBEAT.intervalMs);
  }

  private stopHeartbeat() {
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Online, busy or offline: the socket stays open either way (offline: no new conversations). */
  setStatus(status: StaffStatus): void {
    this.chosen = status;
    this.sendStatus(status);
  }

  private sendStatus(status: StaffStatus) {
    const frame: StaffClientFrame = { type: "status", presence: status };
    if (this.socket.readyState === 1) this.socket.send(JSON.stringify(frame));
  }

  close(): void {
    this.stopHeartbeat();
    this.socket.close();
  }
}
