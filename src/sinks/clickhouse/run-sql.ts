import { ErrorCodes, VexfsError } from '../../errors.js';
import { openStore, type StoreConfig } from './open-store.js';
import type { TextFormat } from './store.js';

/** Output of `vexfs sql`: an aligned text table, CSV with a header, or a JSON array of rows. */
export type SqlFormat = 'table' | 'csv' | 'json';

const FORMATS: Record<SqlFormat, TextFormat> = { table: 'PrettyCompactMonoBlock', csv: 'CSVWithNames', json: 'JSONEachRow' };

/**
 * Runs one SQL query against the configured store (chDB under the data dir, or the
 * server at `url`) in the VexFS database, and returns the output text for `vexfs sql`.
 * Embedded: chDB allows one process per data dir, so this fails with a clear message
 * while another process (a running `vexfs up`) holds it.
 */
export async function runSql(query: string, opts: { format?: SqlFormat } = {}, storeConfig: StoreConfig = {}): Promise<string> {
  const format = opts.format ?? 'table';
  if (!(format in FORMATS)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `format = ${JSON.stringify(format)} is invalid: expected table, csv or json`, { context: { key: 'format', value: format } });
  const sql = query.trim().replace(/;\s*$/, '');
  if (!sql) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, 'empty SQL query');
  const store = await openStore(storeConfig, { migrate: !storeConfig.url });
  try {
    const out = await store.query(sql, FORMATS[format]);
    if (format !== 'json') return out;
    const rows = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as unknown);
    return JSON.stringify(rows, null, 2) + '\n';
  } finally {
    await store.close();
  }
}
