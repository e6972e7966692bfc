// Messages not yet acknowledged, kept on the device so that they survive a restart of the app
// (wx storage in the mini program) and go again with their client ids: the room stores each once.
import * as z from "zod";
import { messageContentSchema } from "../protocol";
import type { KeyValueStorage } from "./session-store";

const outboxSchema = z.array(z.object({ clientId: z.string().min(8).max(64), content: messageContentSchema, createdAt: z.number() }));
export type OutboxItem = z.infer<typeof outboxSchema>[number];

export class Outbox {
  constructor(
    private readonly storage: KeyValueStorage,
    private readonly prefix = "kefu:outbox:",
  ) {}

  load(conversationId: string): OutboxItem[] {
    const raw = this.storage.get(this.prefix + conversationId);
    if (!raw) return [];
    try {
      const parsed = outboxSchema.safeParse(JSON.parse(raw));
      if (parsed.success) return parsed.data.sort((a, b) => a.createdAt - b.createdAt);
    } catch {
      // Unreadable: dropped below.
    }
    this.storage.remove(this.prefix + conversationId);
    return [];
  }

  save(conversationId: string, items: OutboxItem[]): void {
    if (items.length === 0) this.storage.remove(this.prefix + conversationId);
    else this.storage.set(this.prefix + conversationId, JSON.stringify(items));
  }
}
