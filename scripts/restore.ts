// `npm run restore -- <backup file | R2 key> [--to <persist dir>] [--from <persist dir>]`
// Restores a backup written by domain/backup.ts into an EMPTY local database: it applies the
// migrations, refuses if any table has a row, then inserts every row of the backup.
//   <backup file>  a file downloaded from GET /api/admin/backups/<name>
//   <R2 key>       e.g. backups/2026-11-26.ndjson, read from the local R2 under --from
//   --to           the local state directory to restore into (default .wrangler/state)
//   --from         the local state directory holding the R2 key (default: the same as --to)
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { type BackupRow, parseBackup } from "../domain/backup";
import { executeLocalD1 } from "./local-d1";
import { applyMigrations, queryJson, rootDir, runWrangler } from "./wrangler";

const BUCKET = "kefu-media";
/** Statements per script run against the SQLite file, to keep memory bounded. */
const STATEMENTS_PER_SCRIPT = 5000;

const literal = (v: string | number | null) =>
  v === null ? "NULL" : typeof v === "number" ? String(v) : `'${v.replace(/'/g, "''")}'`;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function insertStatement(row: BackupRow): string {
  const columns = Object.keys(row.r);
  return `INSERT INTO ${ident(row.t)} (${columns.map(ident).join(", ")}) VALUES (${columns.map((c) => literal(row.r[c])).join(", ")});`;
}

async function readSource(source: string, from: string): Promise<string> {
  if (existsSync(source)) return readFileSync(source, "utf8");
  if (!source.startsWith("backups/")) throw new Error(`${source} is neither a file nor an R2 key under backups/`);
  const file = join(mkdtempSync(join(tmpdir(), "kefu-restore-")), "backup.ndjson");
  await runWrangler(["r2", "object", "get", `${BUCKET}/${source}`, "--local", "--persist-to", from, "--file", file]);
  return readFileSync(file, "utf8");
}

/** Row counts of every application table of the local database at `persistTo`. */
export async function tableCounts(persistTo: string): Promise<Record<string, number>> {
  const tables = await queryJson<{ name: string }>(
    persistTo,
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name != 'd1_migrations' ORDER BY name",
  );
  if (tables.length === 0) return {};
  // One row of scalar subqueries: D1 caps the terms of a compound SELECT (UNION ALL) low.
  const [counts] = await queryJson<Record<string, number>>(
    persistTo,
    `SELECT ${tables.map(({ name }) => `(SELECT count(*) FROM ${ident(name)}) AS ${ident(name)}`).join(", ")}`,
  );
  return counts;
}

export async function restoreBackup(opts: { source: string; to: string; from?: string }): Promise<Record<string, number>> {
  const { header, rows } = parseBackup(await readSource(opts.source, opts.from ?? opts.to));
  await applyMigrations(opts.to);
  const applied = new Set((await queryJson<{ name: string }>(opts.to, "SELECT name FROM d1_migrations")).map((r) => r.name));
  const unknown = header.migrations.filter((m) => !applied.has(m));
  if (unknown.length > 0) throw new Error(`the backup needs migrations this code does not have: ${unknown.join(", ")}`);
  const counts = await tableCounts(opts.to);
  const missing = header.tables.filter((t) => !(t in counts));
  if (missing.length > 0) throw new Error(`tables of the backup missing here: ${missing.join(", ")}`);
  const nonEmpty = Object.entries(counts).filter(([, n]) => n > 0);
  if (nonEmpty.length > 0) {
    throw new Error(`refusing to restore into a database that is not empty (${nonEmpty.map(([t, n]) => `${t}: ${n}`).join(", ")})`);
  }
  // Straight into the local D1 file (scripts/local-d1.ts) rather than one wrangler process per part.
  for (let i = 0; i < rows.length; i += STATEMENTS_PER_SCRIPT) {
    await executeLocalD1(opts.to, rows.slice(i, i + STATEMENTS_PER_SCRIPT).map(insertStatement).join("\n"));
  }
  return tableCounts(opts.to);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { to: { type: "string" }, from: { type: "string" } },
  });
  if (positionals.length !== 1) {
    console.error("usage: npm run restore -- <backup file | backups/<date>.ndjson> [--to <persist dir>] [--from <persist dir>]");
    process.exit(2);
  }
  const to = resolve(values.to ?? join(rootDir, ".wrangler/state"));
  try {
    const counts = await restoreBackup({ source: positionals[0], to, from: values.from ? resolve(values.from) : undefined });
    console.log(`restored into ${to}:`);
    for (const [table, n] of Object.entries(counts)) console.log(`  ${table.padEnd(24)} ${n}`);
  } catch (error) {
    console.error(`restore failed: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  }
}
