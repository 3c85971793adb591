import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type { ClickhouseStore, Dialect } from './store.js';

/**
 * Versioned, idempotent schema migrations from schemas/clickhouse/<dialect>/NNN_name.sql.
 * Every statement is itself idempotent (IF NOT EXISTS), and a migration is recorded in
 * `<db>.schema_migrations` only after all its statements ran, so a crash mid-way is
 * repaired by running again.
 */

const SCHEMA_DIR = fileURLToPath(new URL('../../../schemas/clickhouse/', import.meta.url));

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

/** The migrations of a dialect, in version order; `{db}` replaced by `database`. */
export function loadMigrations(dialect: Dialect, database: string): Migration[] {
  const dir = join(SCHEMA_DIR, dialect);
  return readdirSync(dir).filter((f) => /^\d+_.+\.sql$/.test(f)).sort().map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const body = text.split('\n').filter((l) => !l.trimStart().startsWith('--')).join('\n');
    return {
      version: Number.parseInt(file, 10),
      name: file.replace(/\.sql$/, ''),
      checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
      statements: body.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter(Boolean).map((s) => s.replaceAll('{db}', database)),
    };
  });
}

/** Applies the migrations not yet recorded (up to version `upTo`: upgrade tests); returns the versions applied now. */
export async function migrate(store: ClickhouseStore, database: string, upTo = Number.MAX_SAFE_INTEGER): Promise<number[]> {
  await store.exec(`CREATE DATABASE IF NOT EXISTS ${database}`);
  await store.exec(`CREATE TABLE IF NOT EXISTS ${database}.schema_migrations (version UInt32, name String, dialect String, checksum String, applied_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY version`);
  const done = new Set((await store.query(`SELECT DISTINCT version FROM ${database}.schema_migrations`)).split('\n').filter(Boolean).map(Number));
  const applied: number[] = [];
  for (const m of loadMigrations(store.dialect, database)) {
    if (done.has(m.version) || m.version > upTo) continue;
    for (const sql of m.statements) await store.exec(sql);
    await store.insertTsv(`${database}.schema_migrations`, ['version', 'name', 'dialect', 'checksum'], Buffer.from(`${m.version}\t${m.name}\t${store.dialect}\t${m.checksum}\n`), `migration:${m.version}`);
    applied.push(m.version);
  }
  return applied;
}
