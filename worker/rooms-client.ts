// Typed stubs of the room actors for the Worker.
import { getServerByName } from "partyserver";
import type { Env } from "../domain/env";

export const conversationRoom = (env: Env, id: string) => getServerByName(env.ConversationRoom, id);
export const staffRoom = (env: Env, staffId: string) => getServerByName(env.StaffRoom, staffId);
