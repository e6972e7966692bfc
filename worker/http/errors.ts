// Request bodies read and checked at the edge; errors answer through domain/errors.ts.
import type { Context } from "hono";
import type { z } from "zod";
import { badRequest, parseOr400 } from "../../domain/errors";

export async function readJson<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw badRequest("请求体不是有效的 JSON");
  }
  return parseOr400(schema, body);
}
