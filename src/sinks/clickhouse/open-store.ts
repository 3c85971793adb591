import { join } from 'node:path';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { openServerStore } from './server-store.js';
import { migrate } from './migrations.js';
import type { ClickhouseStore } from './store.js';

/** Where the analytics store is: the `clickhouse` section of the config plus the data directory. */
export interface StoreConfig {
  /** ClickHouse server URL; '' (default) = embedded chDB under `dataDir`. */
  url?: string;
  /** Data directory; chDB keeps its files in `<dataDir>/clickhouse`. Default '.vexfs/data'. */
  dataDir?: string;
  /** Database holding the VexFS tables; default 'vexfs'. */
  database?: string;
  /** Server user; default 'default'. */
  username?: string;
  /** Server password; default ''. */
  password?: string;
  /** Server request timeout; default 30 s. */
  requestTimeoutMs?: number;
}

/** Defaults of StoreConfig, in one place. */
export const STORE_DEFAULTS = Object.freeze({ url: '', dataDir: '.vexfs/data', database: 'vexfs', username: 'default', password: '', requestTimeoutMs: 30_000 });

const KEYS = new Set(Object.keys(STORE_DEFAULTS));

/** Validates a StoreConfig (unknown keys refused, values checked) and fills defaults. */
export function resolveStoreConfig(cfg: StoreConfig = {}): Readonly<Required<StoreConfig>> {
  for (const k of Object.keys(cfg)) {
    if (!KEYS.has(k)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `unknown ClickHouse store option '${k}' (allowed: ${[...KEYS].join(', ')})`, { context: { key: k } });
  }
  const out = { ...STORE_DEFAULTS, ...Object.fromEntries(Object.entries(cfg).filter(([, v]) => v !== undefined)) } as Required<StoreConfig>;
  const bad = (key: string, value: unknown, allowed: string) => new VexfsError(ErrorCodes.CONFIG_INVALID, `clickhouse.${key} = ${JSON.stringify(value)} is invalid: ${allowed}`, { context: { key, value } });
  if (typeof out.url !== 'string' || (out.url !== '' && !/^https?:\/\/[^\s]+$/.test(out.url))) throw bad('url', out.url, "expected '' (embedded chDB) or an http(s):// URL");
  if (typeof out.database !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(out.database)) throw bad('database', out.database, 'expected an identifier ([A-Za-z_][A-Za-z0-9_]*)');
  if (typeof out.dataDir !== 'string' || out.dataDir === '') throw bad('dataDir', out.dataDir, 'expected a non-empty path');
  if (!Number.isInteger(out.requestTimeoutMs) || out.requestTimeoutMs < 100) throw bad('requestTimeoutMs', out.requestTimeoutMs, 'expected an integer >= 100');
  if (typeof out.username !== 'string' || typeof out.password !== 'string') throw bad('username', out.username, 'expected strings for username and password');
  return Object.freeze(out);
}

/** Opens the configured store (chDB or server) and brings its schema up to date. */
export async function openStore(cfg: StoreConfig = {}, opts: { migrate?: boolean } = {}): Promise<ClickhouseStore> {
  const c = resolveStoreConfig(cfg);
  if (!c.url) {
    // chDB loads a 500 MB engine: only when the embedded store is used
    const { openChdbStore } = await import('./chdb-store.js');
    const store = await openChdbStore(join(c.dataDir, 'clickhouse'));
    try {
      if (opts.migrate !== false) await migrate(store, c.database);
      else await store.exec(`CREATE DATABASE IF NOT EXISTS ${c.database}`);
      await store.exec(`USE ${c.database}`);
    } catch (err) { await store.close(); throw err; }
    return store;
  }
  const server = { url: c.url, username: c.username, password: c.password, requestTimeoutMs: c.requestTimeoutMs };
  // The client names its database on every request, so it must exist before a client may use it.
  const boot = await openServerStore({ ...server, database: 'default' });
  try {
    if (opts.migrate !== false) await migrate(boot, c.database);
    else await boot.exec(`CREATE DATABASE IF NOT EXISTS ${c.database}`);
  } finally { await boot.close(); }
  return openServerStore({ ...server, database: c.database });
}
