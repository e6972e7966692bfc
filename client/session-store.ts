// Login sessions kept on the device: localStorage on H5, wx storage in the mini program.
import * as z from "zod";
import { loginResultSchema } from "../protocol";

/** The storage a platform offers, reduced to strings. */
export type KeyValueStorage = {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
};

const sessionSchema = loginResultSchema.extend({ name: z.string().optional() });
export type Session = z.infer<typeof sessionSchema>;

/** Renew a little before the server would refuse the token. */
const EXPIRY_MARGIN_MS = 60_000;

export class SessionStore {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly key: string,
  ) {}

  /** The stored session if it is well formed and not about to expire. */
  load(now = Date.now()): Session | null {
    const raw = this.storage.get(this.key);
    if (!raw) return null;
    try {
      const parsed = sessionSchema.safeParse(JSON.parse(raw));
      if (parsed.success && parsed.data.expiresAt - EXPIRY_MARGIN_MS > now) return parsed.data;
    } catch {
      // corrupt entry: treated as logged out
    }
    this.clear();
    return null;
  }

  save(session: Session): void {
    this.storage.set(this.key, JSON.stringify(session));
  }

  clear(): void {
    this.storage.remove(this.key);
  }

  token(): string | null {
    return this.load()?.token ?? null;
  }
}

export function memoryStorage(): KeyValueStorage {
  const map = new Map<string, string>();
  return {
    get: (k) => map.get(k) ?? null,
    set: (k, v) => void map.set(k, v),
    remove: (k) => void map.delete(k),
  };
}

export function webStorage(storage: Storage): KeyValueStorage {
  return {
    get: (k) => storage.getItem(k),
    set: (k, v) => storage.setItem(k, v),
    remove: (k) => storage.removeItem(k),
  };
}
