// Typed stubs of the room actors for the Worker.
import { getServerByName } from "partyserver";
import type { Env } from "../domain/env";
import type { HistoryReader } from "../domain/room-history";

export const conversationRoom = (env: Env, id: string) => getServerByName(env.ConversationRoom, id);
export const staffRoom = (env: Env, staffId: string) => getServerByName(env.StaffRoom, staffId);

/** Reads a conversation's history from its room (domain/room-history.ts). */
export const roomHistory =
  (env: Env): HistoryReader =>
  async (id, q) =>
    (await conversationRoom(env, id)).history(q);
