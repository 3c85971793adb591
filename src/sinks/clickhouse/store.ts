import { ErrorCodes, VexfsError } from '../../errors.js';

/** Which DDL and deduplication mechanism a store gets: see schemas/clickhouse/README.md. */
export type Dialect = 'modern' | 'old';

/** Output formats `query` can return as text (ClickHouse format names). */
export type TextFormat = 'TabSeparated' | 'TabSeparatedWithNames' | 'CSVWithNames' | 'JSONEachRow' | 'PrettyCompactMonoBlock' | 'JSON';

/**
 * The AnalyticsStore port: the few operations the sink, the migrations and `vexfs sql`
 * need, implemented by embedded chDB and by a ClickHouse server.
 */
export interface ClickhouseStore {
  /** 'embedded' (chDB) or 'server'. */
  readonly kind: 'embedded' | 'server';
  /** Server version string, e.g. "26.7.2.1" or "18.16.1". */
  readonly version: string;
  /** Chosen by version: modern for chDB and servers >= 22.2, old below. */
  readonly dialect: Dialect;
  /** Runs a statement that returns nothing (DDL). */
  exec(sql: string): Promise<void>;
  /** Runs a query and returns its result as text in `format`. */
  query(sql: string, format?: TextFormat): Promise<string>;
  /** Inserts TabSeparated rows into `table` (db-qualified) with a deduplication token (used where supported). */
  insertTsv(table: string, columns: readonly string[], rows: Buffer, token: string): Promise<void>;
  /**
   * Inserts RowBinary rows (the sink's format: see row-binary.ts) into `table`; `types` are
   * the RowBinary types of `columns` (chDB reads the rows through `file()` with that structure;
   * a server reads them as the table's own types, which must have the same binary layout).
   */
  insertRowBinary(table: string, columns: readonly string[], types: readonly string[], rows: Buffer, token: string): Promise<void>;
  close(): Promise<void>;
}

/** Picks the dialect for a server version: insert_deduplication_token and DateTime64 exist from 22.2. */
export function dialectOf(version: string): Dialect {
  const [maj = 0, min = 0] = version.split('.').map((n) => Number.parseInt(n, 10));
  return maj > 22 || (maj === 22 && min >= 2) ? 'modern' : 'old';
}

// ClickHouse error codes for data it will never accept (parse failures, bad values).
const BAD_DATA_CODES = new Set([6, 26, 27, 32, 33, 38, 41, 53, 69, 70, 72, 117, 130, 131, 376, 377, 386, 457, 691]);
// Transient server conditions worth retrying.
const TRANSIENT_CODES = new Set([3, 159, 164, 202, 203, 209, 210, 236, 241, 242, 252, 285, 319, 394, 425, 999]);

/** The ClickHouse error code in an error or its message ("Code: 27, e.displayText()..." or "Code: 27. DB::Exception"). */
export function clickhouseCode(err: unknown): number | undefined {
  const e = err as { clickhouseCode?: unknown; code?: unknown; message?: unknown } | null;
  if (typeof e?.clickhouseCode === 'number') return e.clickhouseCode;
  if (typeof e?.code === 'string' && /^\d+$/.test(e.code)) return Number(e.code);
  const m = typeof e?.message === 'string' ? /Code: (\d+)[.,]/.exec(e.message) : null;
  return m ? Number(m[1]) : undefined;
}

const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Maps a store failure to a VexfsError: STORE_REJECTED (never retried) for bad data,
 * STORE_UNAVAILABLE (retriable) for network trouble and transient server conditions,
 * STORE_REJECTED non-retriable otherwise (a schema or programming error: retrying cannot help).
 */
export function classifyStoreError(err: unknown, context: Record<string, unknown>): VexfsError {
  if (err instanceof VexfsError) return err;
  const msg = (err as Error)?.message ?? String(err);
  const code = clickhouseCode(err);
  const netCode = (err as { code?: unknown })?.code;
  const cause = (err as { cause?: { code?: unknown } })?.cause;
  const isNet = (typeof netCode === 'string' && NET_CODES.has(netCode)) || (typeof cause?.code === 'string' && NET_CODES.has(cause.code))
    || /timeout|socket hang up|ECONNREFUSED|ECONNRESET|other side closed/i.test(msg) && code === undefined;
  if (isNet || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return new VexfsError(ErrorCodes.STORE_UNAVAILABLE, `ClickHouse unavailable: ${msg.split('\n')[0]}`, { retriable: true, context: { ...context, clickhouseCode: code }, cause: err });
  }
  const badData = code !== undefined && BAD_DATA_CODES.has(code);
  return new VexfsError(ErrorCodes.STORE_REJECTED, `ClickHouse rejected ${badData ? 'the data' : 'the request'}: ${msg.split('\n')[0]}`, { retriable: false, context: { ...context, clickhouseCode: code, badData }, cause: err });
}

/** True when a classified error means "these rows are bad" (dead-letter them), not "the request is wrong". */
export function isBadData(err: VexfsError): boolean {
  return err.code === ErrorCodes.STORE_REJECTED && err.context.badData === true;
}
