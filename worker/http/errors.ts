import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import { describeZodError, type ErrorCode } from "../protocol";

/** An error with an HTTP status and a `{code, message}` body. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError(400, "bad_request", message);
export const unauthorized = (message = "请先登录") => new ApiError(401, "unauthorized", message);
export const forbidden = (message = "没有权限") => new ApiError(403, "forbidden", message);
export const notFound = (message = "不存在") => new ApiError(404, "not_found", message);

export function errorResponse(c: Context, error: unknown): Response {
  if (error instanceof ApiError) {
    return c.json({ code: error.code, message: error.message }, error.status, error.headers);
  }
  console.error("unhandled error", error);
  return c.json({ code: "internal", message: "服务器内部错误" }, 500);
}

/** Parses a value with a schema or throws a 400 naming the first problem. */
export function parseOr400<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(describeZodError(result.error));
  return result.data;
}

export async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest("请求体不是有效的 JSON");
  }
  return parseOr400(schema, body);
}
