import type { ClickhouseStore } from '../sinks/clickhouse/store.js';
import type { ReadinessCheck, SqlPort } from './deps.js';

/**
 * POST /sql over the analytics store (chDB or server): the query runs in ClickHouse's JSON
 * format, so column names and types come back with the rows. Rows past `maxRows` are cut
 * (the store has no per-query row limit on every server version). 64-bit integers are
 * numbers on chDB and strings on servers that quote them in JSON (older ClickHouse
 * defaults). The API's read-only guard runs before this.
 */
export function sqlPortFromStore(store: Pick<ClickhouseStore, 'query'>): SqlPort {
  return async (query, opts) => {
    const text = await store.query(query.trim().replace(/;\s*$/, ''), 'JSON');
    const parsed = (text.trim() === '' ? {} : JSON.parse(text)) as { meta?: Array<{ name: string; type: string }>; data?: Array<Record<string, unknown>> };
    return { columns: parsed.meta ?? [], rows: (parsed.data ?? []).slice(0, opts.maxRows) };
  };
}

/** A readiness check that the store answers `SELECT 1`. */
export function storeReadiness(name: string, store: Pick<ClickhouseStore, 'query'>): ReadinessCheck {
  return {
    name,
    async check() {
      const out = (await store.query('SELECT 1', 'TabSeparated')).trim();
      return out === '1' ? { ok: true } : { ok: false, detail: `SELECT 1 returned ${JSON.stringify(out.slice(0, 100))}` };
    },
  };
}
