// The public flow of `npm run bench -- --flow public`: nobody is seeded but the staff accounts.
// Staff sign in over HTTP (staff code and password) and open their inbox feeds; each customer
// signs in as the mini program does (a wx.login code through the fake WeChat's jscode2session),
// enters (`POST /api/entry`, some with a staff code as the QR scene) and is given a conversation
// by the real assignment rules; every socket URL carries a minute-long ticket from
// `POST /api/auth/ticket`, fetched right before it opens. The working hours are set through the
// admin settings API, so the rules run either way (outside them the on-duty staff take new
// conversations).
import { ApiClient, fetchTransport } from "../client/api";
import { settingsSchema, type Settings } from "../protocol";
import { DEMO_STAFF } from "../scripts/seed";
import { count, type Feed, type LoadPair, type Party, pool } from "./load";
import { round, summarize, type Summary } from "./stats";

export type WorkingHours = "on" | "off";

/** A session on the runtime's HTTP entry. */
const client = (baseUrl: string, token: string | null = null) => new ApiClient({ baseUrl, transport: fetchTransport, token: () => token });

/** Every call of the flow is bounded: a run never waits on a request that hangs. */
function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const hhmm = (minutes: number) => {
  const m = ((minutes % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
};

/**
 * Working hours (every day) that contain now (`on`: from an hour ago for 12 hours) or leave it
 * out (`off`: the 12 hours after those), in the settings' own time zone.
 */
export function workingHoursFor(mode: WorkingHours, now = Date.now()): Settings["workingHours"] {
  const utcOffsetMinutes = 480;
  const local = new Date(now + utcOffsetMinutes * 60_000);
  const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
  const start = mode === "on" ? minutes - 60 : minutes + 11 * 60 + 1;
  return { enabled: true, start: hhmm(start), end: hhmm(start + 12 * 60), days: [1, 2, 3, 4, 5, 6, 7], utcOffsetMinutes };
}

/** The admin (the demo seed's account) sets the working hours and turns the TOTP requirement off. */
export async function applySettings(baseUrl: string, hours: WorkingHours): Promise<Settings> {
  const admin = DEMO_STAFF.find((s) => s.role === "admin")!;
  const login = await bounded(client(baseUrl).loginStaff({ code: admin.code, password: admin.password }), 30_000, "admin login");
  const res = await bounded(
    fetch(`${baseUrl}/api/admin/settings`, {
      method: "PUT",
      headers: { authorization: `Bearer ${login.token}`, "content-type": "application/json" },
      body: JSON.stringify({ workingHours: workingHoursFor(hours), requireTotp: false }),
    }),
    30_000,
    "settings",
  );
  const body: unknown = await res.json();
  if (!res.ok) throw new Error(`settings: HTTP ${res.status} ${JSON.stringify(body)}`);
  return settingsSchema.parse((body as { settings: unknown }).settings);
}

export type SignInFigures = Summary & { attempted: number; failures: number; errors: Record<string, number>; wallMs: number; byStaff: Record<string, number>; scenes: number };

export type PublicFlow = {
  /** Staff feeds: a ticket is fetched with the staff member's login token when the feed opens. */
  feeds: Feed[];
  /** Every customer signs in and enters once (memoized: later runs reuse the conversations). */
  pairs(): Promise<LoadPair[]>;
  /** A socket URL with a fresh ticket for that side's login token. */
  urlFor(party: Party, pair: LoadPair): Promise<string>;
  /** How the customers' sign-in and entry went (after `pairs()`). */
  signIn(): SignInFigures | null;
};

/**
 * Signs the staff in (all of them, before any customer arrives) and prepares the customers'
 * sign-in: `customers` customers, the share `sceneShare` of them entering with a staff code as
 * the scene (a staff member's exclusive QR code, staff taken in turn), `concurrency` at a time.
 */
export async function publicFlow(o: {
  baseUrl: string;
  host: string;
  staffIds: string[];
  /** Staff codes are the ids in the bench population; every account's password is this. */
  password: string;
  customers: number;
  /** Conversations that get a staff socket when they show on the inbox feed (the first ones entered). */
  staffSockets: number;
  sceneShare: number;
  concurrency: number;
  log: (line: string) => void;
}): Promise<PublicFlow> {
  const http = (token: string | null) => client(o.baseUrl, token);
  const runId = Date.now().toString(36);
  const staffTokens = new Map<string, string>();
  const staffStart = Date.now();
  const staffErrors: Record<string, number> = {};
  await pool(o.staffIds, o.concurrency, async (code) => {
    try {
      const login = await bounded(http(null).loginStaff({ code, password: o.password }), 30_000, "staff login");
      staffTokens.set(login.id, login.token);
    } catch (error) {
      count(staffErrors, (error as Error).message);
    }
  });
  o.log(`  ${staffTokens.size}/${o.staffIds.length} staff signed in over HTTP in ${((Date.now() - staffStart) / 1000).toFixed(1)} s${Object.keys(staffErrors).length ? `; failures ${JSON.stringify(staffErrors)}` : ""}`);

  const ticket = (token: string) => bounded(http(token).socketTicket(), 30_000, "ticket");
  const socketUrl = async (path: string, token: string) => `ws://${o.host}${path}?ticket=${encodeURIComponent(await ticket(token))}`;

  let figures: SignInFigures | null = null;
  let entered: Promise<LoadPair[]> | null = null;
  const enterAll = async (): Promise<LoadPair[]> => {
    const started = Date.now();
    const times: number[] = [];
    const errors: Record<string, number> = {};
    const byStaff: Record<string, number> = {};
    const slots: (LoadPair | null)[] = new Array(o.customers).fill(null);
    let scenes = 0;
    let lastLog = started;
    await pool(Array.from({ length: o.customers }, (_, i) => i), o.concurrency, async (i) => {
      // Every 1/sceneShare-th customer scans a staff member's exclusive code.
      const scanned = Math.floor((i + 1) * o.sceneShare) > Math.floor(i * o.sceneShare);
      const scene = scanned ? o.staffIds[scenes++ % o.staffIds.length] : undefined;
      const t0 = performance.now();
      try {
        const login = await bounded(http(null).loginCustomer(`bench-${runId}-${i}`), 30_000, "customer login");
        const entry = await bounded(http(login.token).entry(scene), 30_000, "entry");
        times.push(performance.now() - t0);
        const staffToken = staffTokens.get(entry.staff.id);
        count(byStaff, entry.staff.id);
        if (!staffToken) throw new Error(`assigned to ${entry.staff.id}, not a signed-in bench staff member`);
        slots[i] = { conversationId: entry.conversationId, staffId: entry.staff.id, customerToken: login.token, staffToken, staffSocket: false };
      } catch (error) {
        count(errors, (error as Error).message);
      }
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        o.log(`  customers signed in and entered: ${times.length}/${o.customers}`);
      }
    });
    const pairs = slots.filter((p): p is LoadPair => p !== null);
    pairs.forEach((p, i) => (p.staffSocket = i < o.staffSockets));
    figures = { ...summarize(times), attempted: o.customers, failures: o.customers - pairs.length, errors, wallMs: Date.now() - started, byStaff, scenes };
    const loads = Object.values(byStaff);
    o.log(
      `  ${pairs.length}/${o.customers} customers signed in (jscode2session) and entered in ${(figures.wallMs / 1000).toFixed(1)} s, p50 ${round(figures.p50, 0)} ms p99 ${round(figures.p99, 0)} ms; ${scenes} with a staff code scene; conversations per staff member ${Math.min(...loads)}–${Math.max(...loads)} over ${loads.length} staff${Object.keys(errors).length ? `; failures ${JSON.stringify(errors)}` : ""}`,
    );
    return pairs;
  };

  return {
    feeds: [...staffTokens.keys()].map((staffId) => ({ staffId, url: () => socketUrl(`/parties/staff-room/${staffId}`, staffTokens.get(staffId)!) })),
    pairs: () => (entered ??= enterAll()),
    urlFor: (party, pair) => socketUrl(`/parties/conversation-room/${pair.conversationId}`, party === "customer" ? pair.customerToken : pair.staffToken),
    signIn: () => figures,
  };
}
