// The load generator: a customer socket per conversation, a staff socket in the conversation
// for the first `staffSockets` of them, and an inbox socket per staff member; customers send at a
// set rate and staff answer every message they see in a conversation socket. It measures connect
// time, end-to-end latency both ways (customer→staff also as seen on the staff inbox feed) and the
// time to the sender's ack, and counts everything that went wrong. It drives the real system and
// the bare relay alike; only the socket URLs differ.
import WebSocket from "ws";
import { summarize, type Summary, TimeSeries } from "./stats";

export type Party = "customer" | "staff";
export type LoadPair = { conversationId: string; staffId: string; customerToken: string; staffToken: string; staffSocket: boolean };

export type LoadOptions = {
  pairs: LoadPair[];
  /** Socket URL of one side of a conversation. */
  urlFor(party: Party, pair: LoadPair): string;
  /** Staff inbox feeds: they only listen; customer messages seen there are timed too. */
  inboxes?: string[];
  /** Each customer sends one message every `intervalMs`. */
  intervalMs: number;
  /**
   * Traffic before the measured window: every room's first message (a cold start of the whole
   * system at once) falls in it. Its latencies are reported apart, as `warmup`.
   */
  warmupMs: number;
  durationMs: number;
  /** Staff answer every customer message. */
  replies: boolean;
  connectConcurrency: number;
  connectTimeoutMs: number;
  drainMs: number;
  log?: (line: string) => void;
  /** Called when the measured window opens (after the warm-up) and when the traffic stops. */
  window?: { open(): void; close(): void };
};

export type LoadResult = {
  sockets: number;
  connect: Summary & { failures: number; wallMs: number; errors: Record<string, number> };
  customerToStaff: Summary;
  /** Customer message to the staff member's inbox feed (every conversation, socket or not). */
  customerToInbox: Summary;
  staffToCustomer: Summary;
  ack: Summary;
  /** Messages sent during the warm-up: customer→staff and staff→customer together. */
  warmup: Summary;
  sent: number;
  acked: number;
  delivered: number;
  lost: number;
  duplicates: number;
  messagesPerSecond: number;
  inboxFrames: number;
  errors: Record<string, number>;
  unexpectedCloses: number;
  trafficMs: number;
  series: { customerToStaff: ReturnType<TimeSeries["points"]>; staffToCustomer: ReturnType<TimeSeries["points"]> };
};

type Side = { ws: WebSocket; party: Party; pair: LoadPair; index: number };

const count = (map: Record<string, number>, key: string) => {
  map[key] = (map[key] ?? 0) + 1;
};

function open(url: string, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const fail = (why: string) => {
      ws.removeAllListeners();
      ws.on("error", () => undefined);
      ws.terminate();
      reject(new Error(why));
    };
    ws.once("open", () => {
      ws.removeAllListeners("error");
      ws.removeAllListeners("unexpected-response");
      resolve(ws);
    });
    ws.once("unexpected-response", (_req, res) => fail(`HTTP ${res.statusCode}`));
    ws.once("error", (e) => fail((e as NodeJS.ErrnoException).code ?? e.message));
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const log = o.log ?? (() => undefined);
  const sides: Side[] = [];
  const listeners: WebSocket[] = [];
  const connectTimes: number[] = [];
  const connectErrors: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let unexpectedCloses = 0;
  let inboxFrames = 0;
  let closing = false;
  const sentAt = new Map<string, number>();
  const deliveredIds = new Set<string>();
  const c2inbox: number[] = [];
  const seenInInbox = new Set<string>();
  /** Whether customer `b<index>` has a staff socket in its conversation (else the inbox counts as delivery). */
  const staffSocketOf = new Map<string, boolean>();

  // ---------- connect ----------
  const targets: { party: Party; pair: LoadPair; index: number }[] = o.pairs.flatMap((pair, index) => [
    ...(pair.staffSocket ? [{ party: "staff" as const, pair, index }] : []),
    { party: "customer" as const, pair, index },
  ]);
  const connectStart = Date.now();
  let lastLog = connectStart;
  await pool(targets, o.connectConcurrency, async (t) => {
    const started = performance.now();
    try {
      const ws = await open(o.urlFor(t.party, t.pair), o.connectTimeoutMs);
      connectTimes.push(performance.now() - started);
      sides.push({ ws, ...t });
      ws.on("close", (code) => {
        if (closing) return;
        unexpectedCloses++;
        count(errors, `close_${code}`);
      });
    } catch (error) {
      count(connectErrors, (error as Error).message);
    }
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log(`  connected ${sides.length}/${targets.length}`);
    }
  });
  await pool(o.inboxes ?? [], o.connectConcurrency, async (url) => {
    try {
      const ws = await open(url, o.connectTimeoutMs);
      ws.on("message", (data) => onInboxFrame(data.toString()));
      listeners.push(ws);
    } catch (error) {
      count(connectErrors, (error as Error).message);
    }
  });
  const connectWallMs = Date.now() - connectStart;
  log(`  ${sides.length + listeners.length} sockets open in ${(connectWallMs / 1000).toFixed(1)} s`);

  // ---------- traffic ----------
  let duplicates = 0;
  let acked = 0;
  const c2s: number[] = [];

  const s2c: number[] = [];
  const ackTimes: number[] = [];
  const warm: number[] = [];
  /** Every customer→staff latency, warm-up included, for the progress lines. */
  const c2sAll: number[] = [];
  const trafficStart = Date.now();
  const measureFrom = performance.now() + o.warmupMs;
  const c2sSeries = new TimeSeries(trafficStart);
  const s2cSeries = new TimeSeries(trafficStart);
  const byIndex = new Map<number, { customer?: Side; staff?: Side }>();
  for (const s of sides) {
    const entry = byIndex.get(s.index) ?? {};
    entry[s.party] = s;
    byIndex.set(s.index, entry);
  }

  function onInboxFrame(text: string) {
    inboxFrames++;
    const now = performance.now();
    const id = /压测消息 (b[A-Za-z0-9_-]+)/.exec(text)?.[1];
    if (!id || seenInInbox.has(id)) return;
    const t0 = sentAt.get(id);
    if (t0 === undefined) return;
    seenInInbox.add(id);
    if (t0 >= measureFrom) c2inbox.push(now - t0);
    if (!staffSocketOf.get(id.split("-")[0])) deliveredIds.add(id);
  }
  const send = (side: Side, clientId: string) => {
    if (side.ws.readyState !== WebSocket.OPEN) {
      count(errors, `send_on_socket_in_state_${side.ws.readyState}`);
      return;
    }
    sentAt.set(clientId, performance.now());
    side.ws.send(JSON.stringify({ type: "send", clientId, content: { kind: "text", text: `压测消息 ${clientId}` } }));
  };

  for (const side of sides) {
    side.ws.on("error", () => count(errors, "socket_error"));
    side.ws.on("message", (data) => {
      const now = performance.now();
      let frame: { type: string; clientId?: string; code?: string; message?: { clientId: string; sender: string } };
      try {
        frame = JSON.parse(data.toString());
      } catch {
        count(errors, "bad_json");
        return;
      }
      if (frame.type === "ack" && frame.clientId) {
        const t0 = sentAt.get(frame.clientId);
        if (t0 !== undefined) {
          acked++;
          if (t0 >= measureFrom) ackTimes.push(now - t0);
        }
      } else if (frame.type === "message" && frame.message) {
        const m = frame.message;
        if (m.sender === side.party) return;
        const t0 = sentAt.get(m.clientId);
        if (t0 === undefined) return;
        if (deliveredIds.has(m.clientId)) {
          duplicates++;
          return;
        }
        deliveredIds.add(m.clientId);
        const latency = now - t0;
        if (t0 < measureFrom) warm.push(latency);
        if (side.party === "staff") {
          if (t0 >= measureFrom) c2s.push(latency);
          c2sAll.push(latency);
          c2sSeries.add(Date.now(), latency);
          if (o.replies && !closing && !stopSending) send(side, `r${m.clientId}`);
        } else {
          if (t0 >= measureFrom) s2c.push(latency);
          s2cSeries.add(Date.now(), latency);
        }
      } else if (frame.type === "error") {
        count(errors, frame.code ?? "error");
      }
    });
  }

  let stopSending = false;
  const timers: NodeJS.Timeout[] = [];
  const customers = [...byIndex.entries()].filter(([, e]) => e.customer && (e.staff || !e.customer.pair.staffSocket));
  for (const [index, entry] of customers) {
    staffSocketOf.set(`b${index}`, Boolean(entry.staff));
    let n = 0;
    const fire = () => send(entry.customer!, `b${index}-${n++}-${trafficStart.toString(36)}`);
    const first = setTimeout(
      () => {
        fire();
        timers.push(setInterval(fire, o.intervalMs));
      },
      Math.random() * o.intervalMs,
    );
    timers.push(first);
  }
  const progress = setInterval(() => {
    const s = summarize(c2sAll.slice(-2000));
    log(`  t=${((Date.now() - trafficStart) / 1000).toFixed(0)}s sent=${sentAt.size} delivered=${deliveredIds.size} recent c→s p50=${s.p50.toFixed(1)} p99=${s.p99.toFixed(1)} ms`);
  }, 10_000);
  await new Promise((r) => setTimeout(r, o.warmupMs));
  o.window?.open();
  await new Promise((r) => setTimeout(r, o.durationMs));
  o.window?.close();
  stopSending = true;
  for (const t of timers) clearTimeout(t);
  const trafficMs = Date.now() - trafficStart;

  // ---------- drain ----------
  const drainUntil = Date.now() + o.drainMs;
  while (Date.now() < drainUntil && deliveredIds.size < sentAt.size) await new Promise((r) => setTimeout(r, 100));
  clearInterval(progress);
  closing = true;
  for (const s of sides) s.ws.terminate();
  for (const l of listeners) l.terminate();

  const connect = summarize(connectTimes);
  return {
    sockets: sides.length + listeners.length,
    connect: { ...connect, failures: targets.length + (o.inboxes?.length ?? 0) - sides.length - listeners.length, wallMs: connectWallMs, errors: connectErrors },
    customerToStaff: summarize(c2s),
    customerToInbox: summarize(c2inbox),
    staffToCustomer: summarize(s2c),
    ack: summarize(ackTimes),
    warmup: summarize(warm),
    sent: sentAt.size,
    acked,
    delivered: deliveredIds.size,
    lost: sentAt.size - deliveredIds.size,
    duplicates,
    messagesPerSecond: deliveredIds.size / (trafficMs / 1000),
    inboxFrames,
    errors,
    unexpectedCloses,
    trafficMs,
    series: { customerToStaff: c2sSeries.points(), staffToCustomer: s2cSeries.points() },
  };
}
