// Staff sign-in checks shared by the password login and the WeChat login: a per-account lockout
// after failed attempts, the second factor (TOTP, each code good once) and uniform answers, so an
// unknown code, a wrong password and a disabled account look alike from outside.
import { and, eq, lt } from "drizzle-orm";
import { hashPassword, verifyPassword } from "../../domain/auth/password";
import { totpStep } from "../../domain/auth/totp";
import { openTotpSecret, sealTotpSecret } from "../../domain/auth/totp-secret";
import type { Db } from "../../domain/db/client";
import { staff } from "../../domain/db/schema";
import type { Env } from "../../domain/env";
import { ApiError } from "../../domain/errors";
import { loadSettings } from "../../domain/settings";
import { hit, tooManyRequests } from "./rate-limit";

type StaffRow = typeof staff.$inferSelect;

const wrongCredentials = () => new ApiError("unauthorized", "工号或密码错误");

/** Hashed once per isolate: unknown codes pay the same PBKDF2 cost as known ones. */
let dummyHash: Promise<string> | undefined;

/** Refuses at once while the account is locked out by recent failures. */
async function refuseIfLocked(env: Env, account: string) {
  const verdict = await hit(env, "login_failures", account, true);
  if (!verdict.allowed) throw tooManyRequests(verdict);
}

const recordFailure = (env: Env, account: string) => hit(env, "login_failures", account);

/** Runs a sign-in check; any ApiError it throws counts as a failed attempt of the account. */
async function attempt<T>(env: Env, account: string, check: () => Promise<T>): Promise<T> {
  await refuseIfLocked(env, account);
  try {
    return await check();
  } catch (error) {
    if (error instanceof ApiError && error.code !== "rate_limited") await recordFailure(env, account);
    throw error;
  }
}

/**
 * The second factor: a TOTP code when the account has one (accepted once: the step is remembered),
 * and none may sign in without one while "TOTP for everyone" is on.
 */
async function secondFactor(env: Env, db: Db, row: StaffRow, totp: string | undefined, enrolSecret?: string) {
  if (!row.totpEnabled || !row.totpSecret) {
    if (!(await loadSettings(db)).requireTotp) return;
    if (!enrolSecret || !totp) throw new ApiError("totp_setup_required", "系统要求启用动态验证码，请先用验证器绑定后登录");
    // Self-enrolment: the password, and a code from the authenticator holding the proposed secret.
    const step = totpStep(enrolSecret, totp);
    if (step === null) throw new ApiError("unauthorized", "动态验证码错误，请核对验证器后重试");
    const sealed = await sealTotpSecret(env.TOKEN_SECRET, enrolSecret);
    await db.update(staff).set({ totpSecret: sealed, totpEnabled: true, totpLastStep: step }).where(eq(staff.id, row.id));
    return;
  }
  if (!totp) throw new ApiError("unauthorized", "请输入动态验证码");
  const secret = await openTotpSecret(env.TOKEN_SECRET, row.totpSecret);
  const step = secret ? totpStep(secret, totp) : null;
  if (step === null) throw new ApiError("unauthorized", "动态验证码错误");
  const [fresh] = await db
    .update(staff)
    .set({ totpLastStep: step })
    .where(and(eq(staff.id, row.id), lt(staff.totpLastStep, step)))
    .returning({ id: staff.id });
  if (!fresh) throw new ApiError("unauthorized", "动态验证码已使用，请等待下一个");
}

async function checkPassword(db: Db, body: { code: string; password: string }): Promise<StaffRow> {
  const [row] = await db.select().from(staff).where(eq(staff.code, body.code)).limit(1);
  dummyHash ??= hashPassword("not-a-password");
  const matches = await verifyPassword(body.password, row?.passwordHash ?? (await dummyHash));
  // A disabled account answers like a wrong password: nothing tells which accounts exist.
  if (!row || !matches || row.disabled) throw wrongCredentials();
  return row;
}

/** Code and password only (TOTP enrolment before the first login); failures count like a login's. */
export function passwordVerified(env: Env, db: Db, body: { code: string; password: string }): Promise<StaffRow> {
  return attempt(env, `staff:${body.code}`, () => checkPassword(db, body));
}

/** Code and password, then the second factor (or enrolment in it, with `totpSecret`). Returns the account. */
export function passwordSignIn(env: Env, db: Db, body: { code: string; password: string; totp?: string; totpSecret?: string }): Promise<StaffRow> {
  return attempt(env, `staff:${body.code}`, async () => {
    const row = await checkPassword(db, body);
    await secondFactor(env, db, row, body.totp, body.totpSecret);
    return row;
  });
}

/** A bound WeChat instead of code and password; the second factor still applies. */
export function wechatSignIn(env: Env, db: Db, row: StaffRow, totp: string | undefined): Promise<StaffRow> {
  return attempt(env, `staff:${row.code}`, async () => {
    if (row.disabled) throw wrongCredentials();
    await secondFactor(env, db, row, totp);
    return row;
  });
}
