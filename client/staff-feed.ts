// The staff member's own socket to their StaffRoom: presence and the live inbox feed.
import PartySocket from "partysocket";
import { type InboxItem, type Presence, serverFrameSchema, type StaffClientFrame } from "../protocol";

export type StaffFeedEvents = {
  presence?: (presence: Presence) => void;
  inbox?: (item: InboxItem) => void;
  remove?: (conversationId: string, reason: "transfer" | "ended") => void;
  status?: (open: boolean) => void;
};

export class StaffFeed {
  readonly socket: PartySocket;

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
    this.socket.addEventListener("open", () => events.status?.(true));
    this.socket.addEventListener("close", () => events.status?.(false));
    this.socket.addEventListener("message", (e: MessageEvent) => {
      let frame;
      try {
        frame = serverFrameSchema.parse(JSON.parse(String(e.data)));
      } catch {
        return;
      }
      if (frame.type === "presence") events.presence?.(frame.presence);
      else if (frame.type === "inbox") events.inbox?.(frame.item);
      else if (frame.type === "inbox-remove") events.remove?.(frame.conversationId, frame.reason);
    });
  }

  /** Online or busy; going offline is closing the feed (presence is "offline" with no socket open). */
  setStatus(presence: "online" | "busy"): void {
    const frame: StaffClientFrame = { type: "status", presence };
    if (this.socket.readyState === 1) this.socket.send(JSON.stringify(frame));
  }

  close(): void {
    this.socket.close();
  }
}
