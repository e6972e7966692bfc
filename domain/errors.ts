// The one way to answer an error: an ApiError carries a code, and its HTTP status is the code's
// (protocol ERROR_STATUS), so the two never disagree. Every JSON error response is built here.
import type { z } from "zod";
import { describeZodError, ERROR_STATUS, type ErrorCode } from "../protocol";

/** An error with a `{code, message}` body and the code's HTTP status. */
export class ApiError extends Error {
  readonly status: (typeof ERROR_STATUS)[ErrorCode];

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

export const badRequest = (message: string) => new ApiError("bad_request", message);
export const unauthorized = (message = "请先登录") => new ApiError("unauthorized", message);
export const forbidden = (message = "没有权限") => new ApiError("forbidden", message);
export const notFound = (message = "不存在") => new ApiError("not_found", message);
export const conflict = (message: string) => new ApiError("conflict", message);

// Errors thrown by an actor reach the Worker through Durable Object RPC as plain Errors that keep
// only their message, so an actor's ApiError travels with its code in the message.
const ACTOR_ERROR = /^kefu-error:([a-z_]+):(.*)$/s;

/** An ApiError for an actor to throw across RPC; errorResponse turns it back into its code and status. */
export function actorError(code: ErrorCode, message: string): Error {
  return new Error(`kefu-error:${code}:${message}`);
}

function asApiError(error: unknown): ApiError | null {
  if (error instanceof ApiError) return error;
  const m = error instanceof Error ? ACTOR_ERROR.exec(error.message) : null;
  return m && m[1] in ERROR_STATUS ? new ApiError(m[1] as ErrorCode, m[2]) : null;
}

/** The JSON response of an error; anything but an ApiError is logged and answered 500. */
export function errorResponse(error: unknown): Response {
  const known = asApiError(error);
  if (!known) console.error("unhandled error", error);
  const code: ErrorCode = known?.code ?? "internal";
  return new Response(JSON.stringify({ code, message: known?.message ?? "服务器内部错误" }), {
    status: ERROR_STATUS[code],
    headers: { "content-type": "application/json; charset=utf-8", ...known?.headers },
  });
}

/** Parses a value with a schema or throws a 400 naming the first problem. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(describeZodError(result.error));
  return result.data;
}
