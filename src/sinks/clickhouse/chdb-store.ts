import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Session } from 'chdb';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { classifyStoreError, dialectOf, type ClickhouseStore, type TextFormat } from './store.js';

/**
 * Embedded adapter: chDB (ClickHouse in-process). chDB allows one data directory per
 * process, so sessions are shared by path and reference-counted: the sink, `vexfs sql` in
 * the same process and tests all reach the same engine.
 */

const SPOOL = 'vexfs-spool';
const open = new Map<string, { session: Session; refs: number }>();

function acquire(path: string): Session {
  const hit = open.get(path);
  if (hit) { hit.refs++; return hit.session; }
  const other = [...open.keys()][0];
  if (other !== undefined) {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, `chDB holds one data directory per process: ${other} is open, so ${path} cannot be`, { context: { open: other, requested: path } });
  }
  mkdirSync(path, { recursive: true });
  let session: Session;
  try { session = new Session(path); }
  catch (err) {
    throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, `cannot open chDB data directory ${path}: ${(err as Error).message.split('\n')[0]} (another process, e.g. a running \`vexfs up\`, may hold it)`, { retriable: false, context: { path }, cause: err });
  }
  // RowBinary batches are handed to the engine as files: chDB's raw insert takes text
  // formats only, and parses TSV through it at a third of the speed of file() (docs/benchmarks/sink.md).
  // Files left by a process that died mid-insert are removed when the engine is opened.
  rmSync(join(path, SPOOL), { recursive: true, force: true });
  mkdirSync(join(path, SPOOL), { recursive: true });
  open.set(path, { session, refs: 1 });
  return session;
}

function release(path: string): void {
  const hit = open.get(path);
  if (!hit) return;
  if (--hit.refs > 0) return;
  open.delete(path);
  hit.session.close();
}

/** Settings of every sink insert (see docs/sinks.md, "Effectively once" and "Throughput"). */
const INSERT_SETTINGS = (token: string) => ({
  insert_deduplication_token: token,
  deduplicate_blocks_in_dependent_materialized_views: 1,
  // ReplacingMergeTree would otherwise collapse duplicates inside each new part at insert
  // time; a batch holds each event once, and FINAL/merges collapse copies across batches.
  optimize_on_insert: 0,
});

const sqlString = (s: string) => `'${s.replace(/[\\']/g, '\\$&')}'`;
let spoolSeq = 0;

/** Opens (or shares) the chDB engine whose data lives in `path`. */
export async function openChdbStore(path: string): Promise<ClickhouseStore> {
  const abs = resolve(path);
  const session = acquire(abs);
  let closed = false;
  const ctx = { store: 'chdb', path: abs };
  const run = async (sql: string, format: string) => {
    if (closed) throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, 'chDB store is closed', { retriable: false, context: ctx });
    try { return (await session.queryAsync(sql, { format })).text(); }
    catch (err) { throw classifyStoreError(err, ctx); }
  };
  const version = (await run('SELECT version()', 'TabSeparated')).trim();
  const spool = join(abs, SPOOL);
  return {
    kind: 'embedded',
    version,
    dialect: dialectOf(version),
    async exec(sql) { await run(sql, 'TabSeparated'); },
    query(sql, format: TextFormat = 'TabSeparated') { return run(sql, format); },
    async insertTsv(table, columns, rows, token) {
      if (closed) throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, 'chDB store is closed', { retriable: false, context: ctx });
      try {
        await session.insert({
          table, columns, values: rows, format: 'TabSeparated',
          settings: INSERT_SETTINGS(token),
        });
      } catch (err) { throw classifyStoreError(err, { ...ctx, table }); }
    },
    async insertRowBinary(table, columns, types, rows, token) {
      if (closed) throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, 'chDB store is closed', { retriable: false, context: ctx });
      const file = join(spool, `${process.pid}-${++spoolSeq}.rowbinary`);
      const structure = columns.map((c, i) => `\`${c}\` ${types[i]}`).join(', ');
      const settings = Object.entries(INSERT_SETTINGS(token)).map(([k, v]) => `${k} = ${typeof v === 'string' ? sqlString(v) : v}`).join(', ');
      try {
        // Written synchronously (a few ms into the page cache) so the insert starts on
        // chDB's libuv thread in this very call: after an awaited write, it would start only
        // once the JS thread is free again, i.e. after the sink encoded its next batch.
        writeFileSync(file, rows);
        await session.queryAsync(`INSERT INTO ${table} (${columns.map((c) => `\`${c}\``).join(', ')}) SETTINGS ${settings} SELECT * FROM file(${sqlString(file)}, 'RowBinary', ${sqlString(structure)})`, { format: 'TabSeparated' });
      } catch (err) { throw classifyStoreError(err, { ...ctx, table }); }
      finally { await unlink(file).catch(() => undefined); }
    },
    async close() {
      if (closed) return;
      closed = true;
      release(abs);
    },
  };
}
