// Live online monitor: a socket to the MonitorRoom, which pushes a snapshot and then changes.
import { PartySocket } from "partysocket";
import { useEffect, useState } from "preact/hooks";
import { kefu } from "./api";
import { isRevocationFrame, type MonitorEntry, monitorFrameSchema } from "../protocol";

export function useMonitor(): { staff: MonitorEntry[]; connected: boolean } {
  const [staff, setStaff] = useState<MonitorEntry[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const socket = new PartySocket({
      host: location.host,
      party: "monitor-room",
      room: "main",
      // A refused ticket (a revoked session) signs the admin out, as any 401 does.
      query: async () => ({ ticket: await kefu.socketTicket() }),
    });
    socket.addEventListener("open", () => setConnected(true));
    socket.addEventListener("close", () => setConnected(false));
    socket.addEventListener("message", (event: MessageEvent) => {
      const json: unknown = JSON.parse(String(event.data));
      if (isRevocationFrame(json)) return socket.reconnect();
      const parsed = monitorFrameSchema.safeParse(json);
      if (!parsed.success) return;
      const frame = parsed.data;
      if (frame.type === "monitor") setStaff(frame.staff);
      else
        setStaff((list) =>
          list.some((s) => s.staffId === frame.entry.staffId)
            ? list.map((s) => (s.staffId === frame.entry.staffId ? frame.entry : s))
            : [...list, frame.entry],
        );
    });
    return () => socket.close();
  }, []);
  return { staff, connected };
}
