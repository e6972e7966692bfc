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

export function sendFrame(socket: { send(data: string): void }, frame: ServerFrame): void {
  try {
    socket.send(JSON.stringify(frame));
  } catch {
    // The socket closed under us; the client resyncs on reconnect.
  }
}
