// Who is on a socket. The Worker verifies the token and the right to join before the
// upgrade reaches a room, then hands the identity over in this header.
import { z } from "zod";
import { principalRoleSchema, type ServerFrame } from "../protocol";

export const IDENTITY_HEADER = "x-kefu-identity";

export const identitySchema = z.object({
  party: z.enum(["customer", "staff"]),
  id: z.string(),
  role: principalRoleSchema,
});
export type Identity = z.infer<typeof identitySchema>;

export function identityOf(request: Request): Identity {
  return identitySchema.parse(JSON.parse(request.headers.get(IDENTITY_HEADER) ?? "null"));
}

/**
 * Answers a close frame that carried no code (1005: what a bare `ws.close()` sends) with 1000.
 * partyserver answers a client's close with the client's own code and skips the reserved ones, so
 * such a close went unanswered and the runtime held the connection for 10 s before dropping it.
 */
export function answerCodelessClose(socket: { close(code?: number, reason?: string): void }, code: number): void {
  if (code !== 1005) return;
  try {
    socket.close(1000, "closed");
  } catch {
    // Already closed.
  }
}

export function sendFrame(socket: { send(data: string): void }, frame: ServerFrame): void {
  try {
    socket.send(JSON.stringify(frame));
  } catch {
    // The socket closed under us; the client resyncs on reconnect.
  }
}
