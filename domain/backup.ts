// Daily backup of the whole database to R2 as NDJSON, kept 30 days (restore: scripts/restore.ts).
//
//   line 1      {"kind":"kefu-backup","version":1,"createdAt":…,"migrations":[…],"tables":[…]}
//   then        {"t":"<table>","r":{<column>: <value>, …}}   one line per row
//   last line   {"kind":"end","rows":{"<table>": <count>, …}}  (a file without it is truncated)
//
// Rows are read table by table in rowid pages while the system runs, so the file is not one
// snapshot; at 03:00 Beijing time that costs at most a few in-flight messages.
import { sql } from "drizzle-orm";
import { z } from "zod";
import { createDb, type Db } from "./db/client";
import type { Env } from "./env";

/** The daily cron of wrangler.toml that takes the backup: 19:00 UTC, 03:00 Beijing. */
export const DAILY_CRON = "0 19 * * *";
export const BACKUP_PREFIX = "backups/";
export const BACKUP_KEEP_DAYS = 30;
const PAGE = 500;
/** R2 multipart parts must be at least 5 MiB, except the last. */
const PART_BYTES = 8 * 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;
/** Backups are named by the Beijing date, the date the operators live in. */
const NAME_OFFSET_MS = 8 * 3600 * 1000;

export const backupNameSchema = z.string().regex(/^\d{4}-\d{2}-\d{2}\.ndjson$/, "无效的备份文件名");

export const backupHeaderSchema = z.object({
  kind: z.literal("kefu-backup"),
  version: z.literal(1),
  createdAt: z.number(),
  migrations: z.array(z.string()),
  tables: z.array(z.string()),
});
export type BackupHeader = z.infer<typeof backupHeaderSchema>;
const cellSchema = z.union([z.string(), z.number(), z.null()]);
export const backupRowSchema = z.object({ t: z.string(), r: z.record(z.string(), cellSchema) });
export type BackupRow = z.infer<typeof backupRowSchema>;
export const backupTrailerSchema = z.object({ kind: z.literal("end"), rows: z.record(z.string(), z.number().int()) });

export const backupName = (at: number) => `${new Date(at + NAME_OFFSET_MS).toISOString().slice(0, 10)}.ndjson`;
export const backupKey = (name: string) => `${BACKUP_PREFIX}${name}`;

/** Application tables (not SQLite's, D1's or the migration log), in a stable order. */
export async function userTables(db: Db): Promise<string[]> {
  const rows = await db.all<{ name: string }>(
    sql`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '_cf_%' and name != 'd1_migrations' order by name`,
  );
  return rows.map((r) => r.name);
}

async function appliedMigrations(db: Db): Promise<string[]> {
  try {
    const rows = await db.all<{ name: string }>(sql`select name from d1_migrations order by id`);
    return rows.map((r) => r.name);
  } catch {
    return [];
  }
}

/** Streams lines into an R2 multipart upload in parts of PART_BYTES. */
class MultipartWriter {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private parts: R2UploadedPart[] = [];
  size = 0;
  private readonly encoder = new TextEncoder();

  constructor(private readonly upload: R2MultipartUpload) {}

  async line(value: unknown) {
    const bytes = this.encoder.encode(`${JSON.stringify(value)}\n`);
    this.chunks.push(bytes);
    this.buffered += bytes.length;
    this.size += bytes.length;
    if (this.buffered >= PART_BYTES) await this.flush();
  }

  private async flush() {
    if (this.buffered === 0) return;
    const part = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      part.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    this.buffered = 0;
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
  }

  async complete() {
    await this.flush();
    await this.upload.complete(this.parts);
  }
}

export type BackupResult = { key: string; name: string; size: number; rows: Record<string, number> };

export async function writeBackup(env: Env, now: number): Promise<BackupResult> {
  const db = createDb(env);
  const tables = await userTables(db);
  const name = backupName(now);
  const key = backupKey(name);
  const upload = await env.MEDIA.createMultipartUpload(key, { httpMetadata: { contentType: "application/x-ndjson" } });
  const out = new MultipartWriter(upload);
  const rows: Record<string, number> = {};
  try {
    await out.line({ kind: "kefu-backup", version: 1, createdAt: now, migrations: await appliedMigrations(db), tables } satisfies BackupHeader);
    for (const table of tables) {
      rows[table] = 0;
      for (let after = Number.MIN_SAFE_INTEGER; ; ) {
        const page = await db.all<Record<string, string | number | null> & { __rowid: number }>(
          sql`select rowid as __rowid, * from ${sql.identifier(table)} where rowid > ${after} order by rowid limit ${PAGE}`,
        );
        for (const { __rowid, ...r } of page) {
          await out.line({ t: table, r } satisfies BackupRow);
          after = __rowid;
        }
        rows[table] += page.length;
        if (page.length < PAGE) break;
      }
    }
    await out.line({ kind: "end", rows });
    await out.complete();
  } catch (error) {
    await upload.abort().catch(() => undefined);
    throw error;
  }
  return { key, name, size: out.size, rows };
}

/** Deletes backups older than `keepDays`; returns the keys deleted. */
export async function pruneBackups(bucket: R2Bucket, now: number, keepDays = BACKUP_KEEP_DAYS): Promise<string[]> {
  const oldest = backupName(now - keepDays * DAY_MS);
  const doomed: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: BACKUP_PREFIX, cursor });
    for (const o of page.objects) if (o.key.slice(BACKUP_PREFIX.length) < oldest) doomed.push(o.key);
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  for (let i = 0; i < doomed.length; i += 1000) await bucket.delete(doomed.slice(i, i + 1000));
  return doomed;
}

export async function dailyBackup(env: Env, now: number): Promise<BackupResult> {
  const result = await writeBackup(env, now);
  await pruneBackups(env.MEDIA, now);
  return result;
}

export type BackupInfo = { name: string; key: string; size: number; uploadedAt: number };

export async function listBackups(bucket: R2Bucket): Promise<BackupInfo[]> {
  const items: BackupInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: BACKUP_PREFIX, cursor });
    for (const o of page.objects) {
      const name = o.key.slice(BACKUP_PREFIX.length);
      if (backupNameSchema.safeParse(name).success) items.push({ name, key: o.key, size: o.size, uploadedAt: o.uploaded.getTime() });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return items.sort((a, b) => b.name.localeCompare(a.name));
}

/** Parses a whole backup file; throws on anything but a complete, well-formed one. */
export function parseBackup(text: string): { header: BackupHeader; rows: BackupRow[] } {
  const lines = text.split("\n").filter((l) => l.length > 0);
  if (lines.length < 2) throw new Error("backup file is empty or truncated");
  const header = backupHeaderSchema.parse(JSON.parse(lines[0]));
  const trailer = backupTrailerSchema.parse(JSON.parse(lines[lines.length - 1]));
  const rows = lines.slice(1, -1).map((l) => backupRowSchema.parse(JSON.parse(l)));
  const counts: Record<string, number> = Object.fromEntries(header.tables.map((t) => [t, 0]));
  for (const row of rows) {
    if (!(row.t in counts)) throw new Error(`backup row of unknown table ${row.t}`);
    counts[row.t]++;
  }
  for (const t of header.tables) {
    if (counts[t] !== trailer.rows[t]) throw new Error(`backup of ${t} has ${counts[t]} rows, its trailer says ${trailer.rows[t]}`);
  }
  return { header, rows };
}
