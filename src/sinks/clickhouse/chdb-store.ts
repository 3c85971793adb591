import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Session } from 'chdb';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { classifyStoreError, dialectOf, type ClickhouseStore, type TextFormat } from './store.js';

/**
 * Embedded adapter: chDB (ClickHouse in-process). chDB allows one data directory per
 * process, so sessions are shared by path and reference-counted: the sink, `vexfs sql` in
 * the same process and tests all reach the same engine.
 */

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
          settings: { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 },
        });
      } catch (err) { throw classifyStoreError(err, { ...ctx, table }); }
    },
    async close() {
      if (closed) return;
      closed = true;
      release(abs);
    },
  };
}
