// Live online monitor: a socket to the MonitorRoom, which pushes a snapshot and then changes.
import { PartySocket } from "partysocket";
import { useEffect, useState } from "preact/hooks";
import { loadSession } from "./api";
import { fetchSocketTicket } from "../client/api";
import { type MonitorEntry, monitorFrameSchema } from "../protocol";

export function useMonitor(): { staff: MonitorEntry[]; connected: boolean } {
  const [staff, setStaff] = useState<MonitorEntry[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const socket = new PartySocket({
      host: location.host,
      party: "monitor-room",
      room: "main",
      query: async () => ({ ticket: await fetchSocketTicket(location.origin, loadSession()?.token ?? "") }),
    });
    socket.addEventListener("open", () => setConnected(true));
    socket.addEventListener("close", () => setConnected(false));
    socket.addEventListener("message", (event: MessageEvent) => {
      const parsed = monitorFrameSchema.safeParse(JSON.parse(String(event.data)));
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
