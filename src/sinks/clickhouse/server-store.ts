import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createClient, ClickHouseLogLevel, type ClickHouseClient } from '@clickhouse/client';
import { classifyStoreError, dialectOf, type ClickhouseStore, type TextFormat } from './store.js';

/** Connection options of the server adapter. */
export interface ServerStoreOptions {
  /** Server URL, e.g. http://127.0.0.1:8123. */
  url: string;
  /** Database used for unqualified names in queries; default 'default'. */
  database?: string;
  /** Default 'default'. */
  username?: string;
  /** Default ''. */
  password?: string;
  /** Per-request timeout; default 30 s. */
  requestTimeoutMs?: number;
}

/**
 * Server adapter: @clickhouse/client over HTTP. Works with old servers too (18.16 knows
 * neither insert_deduplication_token nor query parameters, so neither is sent there).
 */
export async function openServerStore(opts: ServerStoreOptions): Promise<ClickhouseStore> {
  const client: ClickHouseClient = createClient({
    url: opts.url,
    username: opts.username ?? 'default',
    password: opts.password ?? '',
    database: opts.database ?? 'default',
    request_timeout: opts.requestTimeoutMs ?? 30_000,
    log: { level: ClickHouseLogLevel.OFF },
  });
  const ctx = { store: 'server', url: opts.url };
  const text = async (sql: string, format: TextFormat) => {
    try { return await (await client.query({ query: sql, format: format as 'TabSeparated' })).text(); }
    catch (err) { throw classifyStoreError(err, ctx); }
  };
  let version: string;
  try { version = (await text('SELECT version()', 'TabSeparated')).trim(); }
  catch (err) { await client.close(); throw err; }
  const dialect = dialectOf(version);
  return {
    kind: 'server',
    version,
    dialect,
    async exec(sql) {
      try { await client.command({ query: sql }); }
      catch (err) { throw classifyStoreError(err, ctx); }
    },
    query(sql, format: TextFormat = 'TabSeparated') { return text(sql, format); },
    async insertTsv(table, columns, rows, token) {
      try {
        await client.insert({
          table, columns: columns as [string, ...string[]], format: 'TabSeparated',
          values: Readable.from([rows], { objectMode: false }),
          ...(dialect === 'modern' ? { clickhouse_settings: { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1 } } : {}),
        });
      } catch (err) { throw classifyStoreError(err, { ...ctx, table }); }
    },
    async insertRowBinary(table, columns, _types, rows, token) {
      // @clickhouse/client's insert() takes text and JSON formats only: exec() sends the body as is.
      try {
        const res = await client.exec({
          query: `INSERT INTO ${table} (${columns.map((c) => `\`${c}\``).join(', ')}) FORMAT RowBinary`,
          values: Readable.from([rows], { objectMode: false }),
          ...(dialect === 'modern' ? { clickhouse_settings: { insert_deduplication_token: token, deduplicate_blocks_in_dependent_materialized_views: 1, optimize_on_insert: 0 } } : {}),
        });
        res.stream.resume();
        await finished(res.stream);
      } catch (err) { throw classifyStoreError(err, { ...ctx, table }); }
    },
    async close() { await client.close(); },
  };
}
