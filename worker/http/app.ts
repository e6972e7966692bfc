import { Hono } from "hono";
import type { Db } from "../../domain/db/client";
import type { Env } from "../../domain/env";
import type { Principal } from "../../domain/auth/token";

export type AppEnv = { Bindings: Env; Variables: { db: Db; principal: Principal } };

/** A router of the app; each route module exports one. */
export const router = () => new Hono<AppEnv>();
