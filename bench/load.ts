// The load generator: an inbox socket per staff member (opened first, heartbeat as the workbench
// does), a customer socket per conversation and a staff socket in the conversation for the
// first `staffSockets` of them, either opened up front or, as the workbench does, when the
// conversation's first message shows on the staff member's inbox feed. Sockets open paced (a
// bounded number of handshakes in flight) or in one burst. Customers send at a set rate and staff
// answer every message they see in a conversation socket. It measures connect time, end-to-end
// latency both ways (customer→staff also as seen on the staff inbox feed) and the time to the
// sender's ack, and counts everything that went wrong. It drives the real system and the bare
// relay alike; only the socket URLs differ.
import WebSocket from "ws";
import { HEARTBEAT } from "../protocol";
import { summarize, type Summary, TimeSeries } from "./stats";

export type Party = "customer" | "staff";
export type LoadPair = { conversationId: string; staffId: string; customerToken: string; staffToken: string; staffSocket: boolean };

/** A staff member's inbox feed and how to get its socket URL (a ticket may have to be fetched). */
export type Feed = { staffId: string; url(): string | Promise<string> };
export type ConnectMode = "paced" | "burst";

export type LoadOptions = {
  /** The conversations, or how to make them once the inbox feeds are open (staff online first). */
  pairs: LoadPair[] | (() => Promise<LoadPair[]>);
  /** Socket URL of one side of a conversation (a ticket may have to be fetched). */
  urlFor(party: Party, pair: LoadPair): string | Promise<string>;
  /** Staff inbox feeds: they only listen; customer messages seen there are timed too. */
  inboxes?: Feed[];
  /**
   * Staff open a conversation's socket (and sync it) when the conversation shows on their inbox
   * feed, as the workbench does, instead of up front; only for pairs with `staffSocket`.
   */
  staffJoinFromInbox?: boolean;
  /** `paced`: at most `connectConcurrency` handshakes in flight; `burst`: every URL first, then every socket at once. */
  connectMode?: ConnectMode;
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
  /**
   * Conversation sockets opened up front (handshake times; in a burst, from the burst's start),
   * failures of every socket (inbox feeds and staff joins included) and their reasons.
   */
  connect: Summary & {
    mode: ConnectMode;
    /** Sockets tried up front (feeds and conversation sockets). */
    attempted: number;
    conversationSockets: number;
    /** Every handshake tried: up front, staff joins and feed reopenings. */
    handshakes: number;
    failures: number; wallMs: number; prepareMs: number; errors: Record<string, number> };
  /** Staff sockets opened on an inbox item (`staffJoinFromInbox`): item to open socket. */
  joins: Summary & { failures: number };
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
  /** Unexpected closes by socket kind and close code (a feed silent too long is closed with 4408). */
  closes: Record<string, number>;
  /** Inbox feeds reopened after an unexpected close, as the workbench does. */
  feedReconnects: number;
  trafficMs: number;
  series: { customerToStaff: ReturnType<TimeSeries["points"]>; staffToCustomer: ReturnType<TimeSeries["points"]> };
};

/** `syncing`: a joined staff socket until its `synced` frame; a message seen live and in the sync is no duplicate. */
type Side = { ws: WebSocket; party: Party; pair: LoadPair; index: number; syncing?: boolean };

export const count = (map: Record<string, number>, key: string) => {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
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

/**
 * Opens a socket per item, paced or in one burst (every URL first, so the burst is handshakes
 * only). `started` is when the handshake (or the burst) began; failures are counted by reason.
 */
async function openAll<T>(
  items: T[],
  o: Pick<LoadOptions, "connectMode" | "connectConcurrency" | "connectTimeoutMs">,
  urlOf: (item: T) => string | Promise<string>,
  onOpen: (ws: WebSocket, item: T, started: number) => void,
  onFail: (why: string) => void,
): Promise<{ prepareMs: number }> {
  const attempt = async (item: T, url: string, started: number) => {
    try {
      onOpen(await open(url, o.connectTimeoutMs), item, started);
    } catch (error) {
      onFail((error as Error).message);
    }
  };
  if (o.connectMode !== "burst") {
    await pool(items, o.connectConcurrency, async (item) => {
      let url: string;
      try {
        url = await urlOf(item);
      } catch (error) {
        return onFail(`url: ${(error as Error).message}`);
      }
      await attempt(item, url, performance.now());
    });
    return { prepareMs: 0 };
  }
  const prepareStart = performance.now();
  const urls = new Array<string | null>(items.length).fill(null);
  await pool(items, o.connectConcurrency, async (item, i) => {
    try {
      urls[i] = await urlOf(item);
    } catch (error) {
      onFail(`url: ${(error as Error).message}`);
    }
  });
  const prepareMs = performance.now() - prepareStart;
  const started = performance.now();
  await Promise.all(items.map((item, i) => (urls[i] === null ? undefined : attempt(item, urls[i]!, started))));
  return { prepareMs };
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const log = o.log ?? (() => undefined);
  const sides: Side[] = [];
  const listeners: WebSocket[] = [];
  const connectTimes: number[] = [];
  const connectErrors: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const closes: Record<string, number> = {};
  let unexpectedCloses = 0;
  let feedReconnects = 0;
  let feedReopenFailures = 0;
  let inboxFrames = 0;
  let closing = false;
  let stopSending = false;
  const sentAt = new Map<string, number>();
  const deliveredIds = new Set<string>();
  const c2inbox: number[] = [];
  const seenInInbox = new Set<string>();
  /** Whether customer `b<index>` has a staff socket in its conversation (else the inbox counts as delivery). */
  const staffSocketOf = new Map<string, boolean>();
  const byIndex = new Map<number, { customer?: Side; staff?: Side }>();
  const joinTimes: number[] = [];
  let joinFailures = 0;
  let duplicates = 0;
  let acked = 0;
  const c2s: number[] = [];
  const s2c: number[] = [];
  const ackTimes: number[] = [];
  const warm: number[] = [];
  /** Every customer→staff latency, warm-up included, for the progress lines. */
  const c2sAll: number[] = [];
  /** Set when the traffic starts; nothing is sent before. */
  let trafficStart = Date.now();
  let measureFrom = Infinity;
  /** Feed frames before the traffic (the presence frame on connect) are only counted. */
  let onInboxFrame = (_feed: Feed, text: string) => void (text === HEARTBEAT.pong || inboxFrames++);
  const countFailure = (why: string) => count(connectErrors, why);
  const watchClose = (ws: WebSocket, what: string, then?: () => void) =>
    ws.on("close", (code) => {
      if (closing) return;
      unexpectedCloses++;
      count(closes, `${what}close_${code}`);
      then?.();
    });

  // ---------- inbox feeds first: staff are online before customers arrive ----------
  const connectStart = Date.now();
  const feeds = o.inboxes ?? [];
  const presence: Promise<unknown>[] = [];
  const addFeed = (ws: WebSocket, feed: Feed) => {
    // The room says where the staff member stands once it has recorded them as present.
    presence.push(new Promise((resolve) => ws.once("message", resolve)));
    ws.on("message", (data) => onInboxFrame(feed, data.toString()));
    watchClose(ws, "inbox_", () => void reopenFeed(feed));
    listeners.push(ws);
  };
  /** A closed feed is opened again (a fresh URL each try), as the workbench's socket does, until the run ends. */
  const reopenFeed = async (feed: Feed) => {
    while (!closing) {
      await sleep(1000);
      if (closing) return;
      try {
        const ws = await open(await feed.url(), o.connectTimeoutMs);
        if (closing) return void ws.terminate();
        feedReconnects++;
        return addFeed(ws, feed);
      } catch (error) {
        feedReopenFailures++;
        countFailure(`feed reopen: ${(error as Error).message}`);
      }
    }
  };
  await openAll(feeds, o, (f) => f.url(), addFeed, countFailure);
  const heartbeat = setInterval(() => {
    for (const l of listeners) if (l.readyState === WebSocket.OPEN) l.send(HEARTBEAT.ping);
  }, HEARTBEAT.intervalMs);
  try {
    if (o.staffJoinFromInbox) await Promise.race([Promise.all(presence), sleep(o.connectTimeoutMs)]);
    return await afterFeeds();
  } finally {
    clearInterval(heartbeat);
    closing = true;
    for (const s of sides) s.ws.terminate();
    for (const l of listeners) l.terminate();
  }

  async function afterFeeds(): Promise<LoadResult> {
    const pairsStart = Date.now();
    const pairs = typeof o.pairs === "function" ? await o.pairs() : o.pairs;
    /** Signing customers in is not connecting: it is reported by the flow. */
    const pairsMs = Date.now() - pairsStart;
    const pairOf = new Map(pairs.map((pair, index) => [pair.conversationId, { pair, index }]));

    // ---------- conversation sockets ----------
    const targets: { party: Party; pair: LoadPair; index: number }[] = pairs.flatMap((pair, index) => [
      ...(pair.staffSocket && !o.staffJoinFromInbox ? [{ party: "staff" as const, pair, index }] : []),
      { party: "customer" as const, pair, index },
    ]);
    let lastLog = Date.now();
    const { prepareMs } = await openAll(
      targets,
      o,
      (t) => o.urlFor(t.party, t.pair),
      (ws, t, started) => {
        connectTimes.push(performance.now() - started);
        addSide({ ws, ...t });
        if (Date.now() - lastLog > 5000) {
          lastLog = Date.now();
          log(`  connected ${sides.length}/${targets.length}`);
        }
      },
      countFailure,
    );
    const connectWallMs = Date.now() - connectStart - pairsMs;
    log(`  ${sides.length + listeners.length} sockets open in ${(connectWallMs / 1000).toFixed(1)} s${o.connectMode === "burst" ? ` (${targets.length} in one burst after ${(prepareMs / 1000).toFixed(1)} s getting their URLs)` : ""}`);
    const attempted = targets.length + feeds.length;
    // Feeds reopened while the rest connected are in `listeners` too.
    const failedUpFront = attempted - sides.length - (listeners.length - feedReconnects);

    // ---------- traffic ----------
    trafficStart = Date.now();
    measureFrom = performance.now() + o.warmupMs;
    const c2sSeries = new TimeSeries(trafficStart);
    const s2cSeries = new TimeSeries(trafficStart);

    function addSide(side: Side) {
      sides.push(side);
      const entry = byIndex.get(side.index) ?? {};
      entry[side.party] = side;
      byIndex.set(side.index, entry);
      watchClose(side.ws, "");
      side.ws.on("error", () => count(errors, "socket_error"));
      side.ws.on("message", (data) => onSideFrame(side, data.toString()));
    }

    const joining = new Set<string>();
    function joinFromFeed(feed: Feed, text: string) {
      let frame: { type?: string; item?: { id?: string; staffId?: string } };
      try {
        frame = JSON.parse(text);
      } catch {
        return;
      }
      const id = frame.type === "inbox" ? frame.item?.id : undefined;
      if (id && !joining.has(id) && pairOf.get(id)?.pair.staffId === feed.staffId) void join(id);
    }
    /** The workbench's way: a conversation new to the feed gets a socket, which syncs what it missed. */
    async function join(conversationId: string) {
      const found = pairOf.get(conversationId);
      if (!found?.pair.staffSocket || closing) return;
      joining.add(conversationId);
      const started = performance.now();
      try {
        const ws = await open(await o.urlFor("staff", found.pair), o.connectTimeoutMs);
        if (closing) return void ws.terminate();
        joinTimes.push(performance.now() - started);
        const side: Side = { ws, party: "staff", pair: found.pair, index: found.index, syncing: true };
        addSide(side);
        ws.send(JSON.stringify({ type: "sync", after: 0 }));
      } catch (error) {
        joinFailures++;
        countFailure(`join: ${(error as Error).message}`);
      }
    }

    onInboxFrame = (feed, text) => {
      if (text === HEARTBEAT.pong) return;
      inboxFrames++;
      const now = performance.now();
      if (o.staffJoinFromInbox) joinFromFeed(feed, text);
      const id = /压测消息 (b[A-Za-z0-9_-]+)/.exec(text)?.[1];
      if (!id || seenInInbox.has(id)) return;
      const t0 = sentAt.get(id);
      if (t0 === undefined) return;
      seenInInbox.add(id);
      if (t0 >= measureFrom) c2inbox.push(now - t0);
      if (!staffSocketOf.get(id.split("-")[0])) deliveredIds.add(id);
    };
    const send = (side: Side, clientId: string) => {
      if (side.ws.readyState !== WebSocket.OPEN) {
        count(errors, `send_on_socket_in_state_${side.ws.readyState}`);
        return;
      }
      sentAt.set(clientId, performance.now());
      side.ws.send(JSON.stringify({ type: "send", clientId, content: { kind: "text", text: `压测消息 ${clientId}` } }));
    };

    function onSideFrame(side: Side, text: string) {
      const now = performance.now();
      let frame: { type: string; clientId?: string; code?: string; message?: { clientId: string; sender: string } };
      try {
        frame = JSON.parse(text);
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
          if (!side.syncing) duplicates++;
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
      } else if (frame.type === "synced") {
        side.syncing = false;
      } else if (frame.type === "error") {
        count(errors, frame.code ?? "error");
      }
    }

    const timers: NodeJS.Timeout[] = [];
    const customers = [...byIndex.entries()].filter(([, e]) => e.customer && (e.staff || !e.customer.pair.staffSocket || o.staffJoinFromInbox));
    for (const [index, entry] of customers) {
      staffSocketOf.set(`b${index}`, entry.customer!.pair.staffSocket && (Boolean(entry.staff) || Boolean(o.staffJoinFromInbox)));
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
      log(`  t=${((Date.now() - trafficStart) / 1000).toFixed(0)}s sent=${sentAt.size} delivered=${deliveredIds.size} recent c→s p50=${s.p50.toFixed(1)} p99=${s.p99.toFixed(1)} ms${o.staffJoinFromInbox ? ` staff joined ${joinTimes.length}` : ""}`);
    }, 10_000);
    try {
      await sleep(o.warmupMs);
      o.window?.open();
      await sleep(o.durationMs);
      o.window?.close();
      stopSending = true;
      for (const t of timers) clearTimeout(t);
      const trafficMs = Date.now() - trafficStart;

      // ---------- drain ----------
      const drainUntil = Date.now() + o.drainMs;
      while (Date.now() < drainUntil && deliveredIds.size < sentAt.size) await sleep(100);

      const connect = summarize(connectTimes);
      return {
        sockets: sides.length + listeners.length,
        connect: { ...connect, mode: o.connectMode ?? "paced", attempted,
          conversationSockets: targets.length,
          handshakes: attempted + joinTimes.length + joinFailures + feedReconnects + feedReopenFailures,
          failures: failedUpFront + joinFailures + feedReopenFailures, wallMs: connectWallMs, prepareMs, errors: connectErrors },
        joins: { ...summarize(joinTimes), failures: joinFailures },
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
        closes,
        feedReconnects,
        trafficMs,
        series: { customerToStaff: c2sSeries.points(), staffToCustomer: s2cSeries.points() },
      };
    } finally {
      stopSending = true;
      for (const t of timers) clearTimeout(t);
      clearInterval(progress);
    }
  }
}
