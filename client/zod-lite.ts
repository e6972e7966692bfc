// A small stand-in for the part of zod's API that protocol/ and client/ use, bundled into the
// browser apps instead of zod (scripts/build-assets.ts aliases "zod" to this file). zod's classic
// API cannot be tree-shaken and was most of the admin's first load. TypeScript still checks
// against the real zod; test/zod-lite.test.ts runs the protocol's schemas through both and
// requires the same verdicts and the same parsed data.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Path = (string | number)[];
type Issue = { path: Path; message: string };
type Message = string | { message?: string; error?: string } | undefined;
const FAIL = Symbol("fail");
type Out = unknown;

const text = (m: Message, fallback: string) => (typeof m === "string" ? m : (m?.message ?? m?.error ?? fallback));

export class ZodError extends Error {
  constructor(readonly issues: Issue[]) {
    super(issues[0]?.message ?? "Invalid input");
  }
}

type Check = (v: any) => string | null;

export class ZodType {
  protected checks: Check[] = [];
  protected refinements: { fn: (v: any) => unknown; message: string }[] = [];

  protected clone(): this {
    const c = Object.create(Object.getPrototypeOf(this));
    Object.assign(c, this, { checks: [...this.checks], refinements: [...this.refinements] });
    return c;
  }
  protected withCheck(check: Check): this {
    const c = this.clone();
    c.checks.push(check);
    return c;
  }
  /** Parses the bare type; undefined means "missing". */
  protected base(v: unknown, path: Path, issues: Issue[]): Out | typeof FAIL {
    void path;
    void issues;
    return v;
  }
  run(v: unknown, path: Path, issues: Issue[]): Out | typeof FAIL {
    const out = this.base(v, path, issues);
    if (out === FAIL) return FAIL;
    for (const check of this.checks) {
      const m = check(out);
      if (m !== null) {
        issues.push({ path, message: m });
        return FAIL;
      }
    }
    for (const r of this.refinements) {
      if (!r.fn(out)) {
        issues.push({ path, message: r.message });
        return FAIL;
      }
    }
    return out;
  }
  safeParse(v: unknown): { success: true; data: any } | { success: false; error: ZodError } {
    const issues: Issue[] = [];
    const out = this.run(v, [], issues);
    return out === FAIL || issues.length ? { success: false, error: new ZodError(issues) } : { success: true, data: out };
  }
  parse(v: unknown): any {
    const r = this.safeParse(v);
    if (!r.success) throw r.error;
    return r.data;
  }
  optional(): ZodType {
    return new Wrapped(this, (v) => v === undefined, () => undefined);
  }
  nullable(): ZodType {
    return new Wrapped(this, (v) => v === null, () => null);
  }
  default(value: unknown): ZodType {
    return new Wrapped(this, (v) => v === undefined, () => (typeof value === "function" ? (value as () => unknown)() : value));
  }
  refine(fn: (v: any) => unknown, message?: Message): this {
    const c = this.clone();
    c.refinements.push({ fn, message: text(message, "Invalid input") });
    return c;
  }
  /** Whether a missing key is fine (optional, default). */
  acceptsMissing(): boolean {
    return false;
  }
}

class Wrapped extends ZodType {
  constructor(
    readonly inner: ZodType,
    readonly takes: (v: unknown) => boolean,
    readonly value: () => unknown,
  ) {
    super();
  }
  override run(v: unknown, path: Path, issues: Issue[]) {
    return this.takes(v) ? this.value() : this.inner.run(v, path, issues);
  }
  override acceptsMissing() {
    return this.takes(undefined) || this.inner.acceptsMissing();
  }
}

const typeIssue = (issues: Issue[], path: Path, expected: string, v: unknown, m?: Message) => {
  issues.push({ path, message: text(m, `Invalid input: expected ${expected}, received ${v === null ? "null" : typeof v}`) });
  return FAIL;
};

class ZodString extends ZodType {
  private trimmed = false;
  constructor(private readonly message?: Message) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    if (typeof v !== "string") return typeIssue(issues, path, "string", v, this.message);
    return this.trimmed ? v.trim() : v;
  }
  trim() {
    const c = this.clone();
    c.trimmed = true;
    return c;
  }
  min(n: number, m?: Message) {
    return this.withCheck((v: string) => (v.length >= n ? null : text(m, `Too small: expected string to have >=${n} characters`)));
  }
  max(n: number, m?: Message) {
    return this.withCheck((v: string) => (v.length <= n ? null : text(m, `Too big: expected string to have <=${n} characters`)));
  }
  length(n: number, m?: Message) {
    return this.withCheck((v: string) => (v.length === n ? null : text(m, `Expected string of length ${n}`)));
  }
  regex(re: RegExp, m?: Message) {
    return this.withCheck((v: string) => {
      re.lastIndex = 0;
      return re.test(v) ? null : text(m, "Invalid string");
    });
  }
}

class ZodNumber extends ZodType {
  constructor(
    private readonly coerce: boolean,
    private readonly message?: Message,
  ) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    const n = this.coerce ? Number(v) : v;
    if (typeof n !== "number" || !Number.isFinite(n)) return typeIssue(issues, path, "number", v, this.message);
    return n;
  }
  int(m?: Message) {
    return this.withCheck((v: number) => (Number.isSafeInteger(v) ? null : text(m, "Invalid input: expected int, received number")));
  }
  min(n: number, m?: Message) {
    return this.withCheck((v: number) => (v >= n ? null : text(m, `Too small: expected number to be >=${n}`)));
  }
  max(n: number, m?: Message) {
    return this.withCheck((v: number) => (v <= n ? null : text(m, `Too big: expected number to be <=${n}`)));
  }
  positive(m?: Message) {
    return this.withCheck((v: number) => (v > 0 ? null : text(m, "Too small: expected number to be >0")));
  }
}

class ZodBoolean extends ZodType {
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    return typeof v === "boolean" ? v : typeIssue(issues, path, "boolean", v);
  }
}

class ZodUnknown extends ZodType {
  override acceptsMissing() {
    return true;
  }
}

class ZodLiteral extends ZodType {
  constructor(readonly value: unknown) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    if (v === this.value) return v;
    issues.push({ path, message: `Invalid input: expected ${JSON.stringify(this.value)}` });
    return FAIL;
  }
}

class ZodEnum extends ZodType {
  constructor(
    readonly values: readonly unknown[],
    private readonly message?: Message,
  ) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    if (this.values.includes(v)) return v;
    issues.push({ path, message: text(this.message, `Invalid option: expected one of ${this.values.map((x) => JSON.stringify(x)).join("|")}`) });
    return FAIL;
  }
}

class ZodArray extends ZodType {
  constructor(readonly item: ZodType) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    if (!Array.isArray(v)) return typeIssue(issues, path, "array", v);
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const r = this.item.run(v[i], [...path, i], issues);
      if (r === FAIL) return FAIL;
      out.push(r);
    }
    return out;
  }
  min(n: number, m?: Message) {
    return this.withCheck((v: unknown[]) => (v.length >= n ? null : text(m, `Too small: expected array to have >=${n} items`)));
  }
  max(n: number, m?: Message) {
    return this.withCheck((v: unknown[]) => (v.length <= n ? null : text(m, `Too big: expected array to have <=${n} items`)));
  }
  length(n: number, m?: Message) {
    return this.withCheck((v: unknown[]) => (v.length === n ? null : text(m, `Expected array of length ${n}`)));
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

class ZodObject extends ZodType {
  constructor(
    readonly shape: Record<string, ZodType>,
    private readonly strictKeys = false,
  ) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    if (!isPlainObject(v)) return typeIssue(issues, path, "object", v);
    const out: Record<string, unknown> = {};
    for (const [key, schema] of Object.entries(this.shape)) {
      if (!(key in v) && !schema.acceptsMissing()) {
        issues.push({ path: [...path, key], message: "Invalid input: expected value, received undefined" });
        return FAIL;
      }
      const r = schema.run(v[key], [...path, key], issues);
      if (r === FAIL) return FAIL;
      if (r !== undefined || key in v) out[key] = r;
    }
    if (this.strictKeys) {
      const extra = Object.keys(v).filter((k) => !(k in this.shape));
      if (extra.length) {
        issues.push({ path, message: `Unrecognized key${extra.length > 1 ? "s" : ""}: ${extra.map((k) => `"${k}"`).join(", ")}` });
        return FAIL;
      }
    }
    return out;
  }
  extend(shape: Record<string, ZodType>) {
    return new ZodObject({ ...this.shape, ...shape }, this.strictKeys);
  }
  strict() {
    const c = this.clone();
    (c as unknown as { strictKeys: boolean }).strictKeys = true;
    return c;
  }
  partial(mask?: Record<string, true>) {
    const shape = Object.fromEntries(Object.entries(this.shape).map(([k, s]) => [k, !mask || mask[k] ? s.optional() : s]));
    return new ZodObject(shape, this.strictKeys);
  }
}

class ZodRecord extends ZodType {
  constructor(
    readonly key: ZodType,
    readonly value: ZodType,
  ) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    if (!isPlainObject(v)) return typeIssue(issues, path, "record", v);
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      if (this.key.run(k, [...path, k], issues) === FAIL) return FAIL;
      const r = this.value.run(item, [...path, k], issues);
      if (r === FAIL) return FAIL;
      out[k] = r;
    }
    return out;
  }
}

class ZodDiscriminatedUnion extends ZodType {
  constructor(
    readonly key: string,
    readonly options: ZodObject[],
  ) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    if (!isPlainObject(v)) return typeIssue(issues, path, "object", v);
    const option = this.options.find((o) => {
      const d = o.shape[this.key];
      return d instanceof ZodLiteral ? d.value === v[this.key] : d instanceof ZodEnum ? d.values.includes(v[this.key]) : false;
    });
    if (!option) {
      issues.push({ path: [...path, this.key], message: "Invalid input" });
      return FAIL;
    }
    return option.run(v, path, issues);
  }
}

class ZodPreprocess extends ZodType {
  constructor(
    readonly fn: (v: unknown) => unknown,
    readonly inner: ZodType,
  ) {
    super();
  }
  protected override base(v: unknown, path: Path, issues: Issue[]) {
    return this.inner.run(this.fn(v), path, issues);
  }
}

export const string = (m?: Message) => new ZodString(m);
export const number = (m?: Message) => new ZodNumber(false, m);
export const boolean = () => new ZodBoolean();
export const unknown = () => new ZodUnknown();
export const literal = (value: unknown) => new ZodLiteral(value);
export const array = (item: ZodType) => new ZodArray(item);
export const object = (shape: Record<string, ZodType>) => new ZodObject(shape);
export const record = (key: ZodType, value: ZodType) => new ZodRecord(key, value);
export const discriminatedUnion = (key: string, options: ZodObject[]) => new ZodDiscriminatedUnion(key, options);
export const preprocess = (fn: (v: unknown) => unknown, inner: ZodType) => new ZodPreprocess(fn, inner);
export const coerce = { number: (m?: Message) => new ZodNumber(true, m) };
export function enumSchema(values: readonly unknown[] | Record<string, unknown>, m?: Message) {
  return new ZodEnum(Array.isArray(values) ? values : Object.values(values), m);
}
export { enumSchema as enum };

/** `import { z } from "zod"` works as well as `import * as z from "zod"`. */
export const z = { string, number, boolean, unknown, literal, array, object, record, discriminatedUnion, preprocess, coerce, enum: enumSchema, ZodError, ZodType };
