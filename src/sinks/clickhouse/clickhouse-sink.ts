import { join } from 'node:path';
import { ErrorCodes, VexfsError } from '../../errors.js';
import type { Kind, VexEvent } from '../../events/types.js';
import { KINDS } from '../../events/types.js';
import { metrics, sinkMetrics } from '../../metrics/registry.js';
import { createFileDeadLetters } from '../../processors/dead-letter-file.js';
import type { DeadLetterPort } from '../../processors/dead-letter.js';
import { eventDeadLetter, reasonLabel } from '../dead-letter.js';
import type { Batch, Sink } from '../sink.js';
import { openStore, resolveStoreConfig, type StoreConfig } from './open-store.js';
import { BINARY_TYPES, RowBinaryWriter, writeBinaryRow } from './row-binary.js';
import { TABLES, tsvString } from './rows.js';
import { classifyStoreError, isBadData, type ClickhouseStore } from './store.js';

/** Backoff of transient store failures inside write(). */
export interface RetryOptions {
  /** First delay; default 100 ms. */
  initialMs?: number;
  /** Largest delay; default 5,000 ms. */
  maxMs?: number;
  /** Give up (reject with a retriable STORE_UNAVAILABLE) after this long; default 300,000 ms. */
  maxElapsedMs?: number;
}

/** Options of the ClickHouse sink: the store (StoreConfig) plus delivery behaviour. */
export interface ClickhouseSinkOptions extends StoreConfig {
  /** Retry of transient failures; see RetryOptions for defaults. */
  retry?: RetryOptions;
  /** Where rows the store rejects for good go (the processors' port: file or Kafka topic); default a file `<dataDir>/dead-letter/clickhouse.jsonl`. */
  deadLetter?: DeadLetterPort;
  /** Aborting it makes pending and future writes give up at once (close() does the same). */
  signal?: AbortSignal;
}

/** The ClickHouse sink: a Sink plus access to its store for queries. */
export interface ClickhouseSink extends Sink {
  /** Opens the store and applies migrations (write() does it on first use). */
  ready(): Promise<ClickhouseStore>;
}

/** A row refused for good, before it becomes a dead letter. */
interface Rejected { event: VexEvent; code: string; reason: string }

/** Bytes per row the writers start with (an fs row is about 140; they grow when needed). */
const ROW_BYTES_GUESS = 160;
/** write() calls the sink accepts before the earlier ones resolved (see Sink.maxInFlight). */
const PIPELINE_DEPTH = 2;
/** Writers kept for reuse (a batch in flight, one queued and one being encoded hold up to 4 each), and the largest buffer kept. */
const POOL_WRITERS = 8;
const POOL_WRITER_BYTES = 32 << 20;
const RETRY_DEFAULTS = Object.freeze({ initialMs: 100, maxMs: 5_000, maxElapsedMs: 300_000 });
const SINK_KEYS = new Set(['url', 'dataDir', 'database', 'username', 'password', 'requestTimeoutMs', 'retry', 'deadLetter', 'signal']);

function validate(opts: ClickhouseSinkOptions) {
  for (const k of Object.keys(opts)) {
    if (!SINK_KEYS.has(k)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `unknown ClickHouse sink option '${k}' (allowed: ${[...SINK_KEYS].join(', ')})`, { context: { key: k } });
  }
  const { retry, deadLetter, signal, ...storeCfg } = opts;
  const store = resolveStoreConfig(storeCfg);
  const r = { ...RETRY_DEFAULTS, ...retry };
  for (const [k, v] of Object.entries(r)) {
    if (!(k in RETRY_DEFAULTS)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `unknown retry option 'retry.${k}' (allowed: initialMs, maxMs, maxElapsedMs)`, { context: { key: `retry.${k}` } });
    if (!Number.isInteger(v) || v < 1) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `retry.${k} = ${JSON.stringify(v)} is invalid: expected an integer >= 1 (ms)`, { context: { key: `retry.${k}`, value: v } });
  }
  if (deadLetter !== undefined && typeof deadLetter?.send !== 'function') throw new VexfsError(ErrorCodes.CONFIG_INVALID, 'deadLetter must be a DeadLetterPort (send(letter), close())', { context: { key: 'deadLetter' } });
  return { store, retry: Object.freeze(r), deadLetter: deadLetter ?? createFileDeadLetters({ path: join(store.dataDir, 'dead-letter', 'clickhouse.jsonl') }), ownDeadLetter: deadLetter === undefined, signal };
}

/**
 * Creates the ClickHouse sink (embedded chDB when `url` is empty, else a server).
 *
 * write(batch) resolves only once every row of the batch is acknowledged by the store or
 * dead-lettered. Each table's insert carries a deduplication token derived from
 * batch.position.token, so re-writing a batch (after a crash, before the runner committed
 * its position) never doubles rows: the token drops it on modern stores; on old servers a
 * batch ledger skips it and ReplacingMergeTree + FINAL collapses what slips through.
 * Transient failures are retried with exponential backoff and jitter inside write(), which
 * backpressures the runner; rows the store rejects as bad data are isolated by bisection
 * and sent to the dead letter with the store's reason, never retried.
 */
export function createClickhouseSink(opts: ClickhouseSinkOptions = {}): ClickhouseSink {
  const cfg = validate(opts);
  const db = cfg.store.database;
  const name = cfg.store.url ? 'clickhouse-server' : 'clickhouse-chdb';
  const stage = `sink:${name}`;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  cfg.signal?.addEventListener('abort', onAbort, { once: true });
  if (cfg.signal?.aborted) stop.abort();
  let store: ClickhouseStore | undefined;
  let opening: Promise<ClickhouseStore> | undefined;
  // True until a write completes: the process before us may have died mid-insert.
  let inDoubt = true;
  // Embedded store: the lane|table pairs whose re-sent batches are behind us (see recover()).
  const recovered = new Set<string>();

  // One insert of one partition lands whole or not at all, so probing its first, middle
  // and last ids tells which (a mixed answer means "insert again": FINAL collapses it).
  const landed = async (s: ClickhouseStore, table: string, events: VexEvent[]): Promise<boolean> => {
    const probe = [...new Set([events[0]!, events[events.length >> 1]!, events[events.length - 1]!].map((e) => String(e.id)))];
    const n = Number((await s.query(`SELECT uniqExact(id) FROM ${db}.${table} WHERE toString(id) IN (${probe.map((id) => `'${id.replace(/[\\']/g, '\\$&')}'`).join(',')})`)).trim());
    return n === probe.length;
  };

  const ready = (): Promise<ClickhouseStore> => {
    if (store) return Promise.resolve(store);
    opening ??= openStore(cfg.store).then((s) => { store = s; return s; }).finally(() => { opening = undefined; });
    return opening;
  };

  async function withRetry<T>(what: string, fn: (attempt: number) => Promise<T>): Promise<T> {
    const start = Date.now();
    let delay = cfg.retry.initialMs;
    for (let attempt = 1; ; attempt++) {
      if (stop.signal.aborted) throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, `${name}: gave up ${what}: the sink is closing`, { retriable: true, context: { attempt } });
      try {
        const out = await fn(attempt);
        sinkMetrics.up.set({ sink: name }, 1);
        return out;
      } catch (e) {
        const err = classifyStoreError(e, { what });
        metrics.sinkErrors.inc({ retriable: String(err.retriable) });
        if (!err.retriable) throw err;
        sinkMetrics.up.set({ sink: name }, 0);
        if (Date.now() - start + delay > cfg.retry.maxElapsedMs) {
          throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, `${name}: gave up ${what} after ${attempt} attempts over ${Date.now() - start} ms: ${err.message}`, { retriable: true, context: { ...err.context, attempt }, cause: err });
        }
        sinkMetrics.retries.inc({ sink: name });
        await sleep(delay * (0.5 + Math.random() / 2), stop.signal);
        delay = Math.min(delay * 2, cfg.retry.maxMs);
      }
    }
  }

  /** Inserts rows [from, to) of `w`; on bad data splits them until the bad rows are alone, dead-letters those. */
  async function insertRows(s: ClickhouseStore, kind: Kind, events: VexEvent[], w: RowBinaryWriter, from: number, to: number, token: string, dead: Rejected[], into = `${db}.${TABLES[kind].table}`): Promise<number> {
    const { table, columns } = TABLES[kind];
    try {
      await withRetry(`inserting into ${table}`, async (attempt) => {
        // Without dedup tokens, an insert whose fate is unknown (the process died, or the
        // request failed mid-way) may have landed: look before inserting it again, so the
        // materialized views do not count it twice.
        if (s.dialect === 'old' && (inDoubt || attempt > 1) && (await landed(s, table, events.slice(from, to)))) return;
        await s.insertRowBinary(into, columns, BINARY_TYPES[kind], w.rows(from, to), token);
      });
      return to - from;
    } catch (err) {
      if (!(err instanceof VexfsError) || !isBadData(err)) throw err;
      if (to - from === 1) {
        dead.push({ event: events[from]!, code: err.code, reason: err.message });
        return 0;
      }
      // Sub-batch tokens are deterministic too, so a retried bad batch splits the same way.
      const mid = (from + to) >> 1;
      return (await insertRows(s, kind, events, w, from, mid, `${token}/0`, dead, into))
        + (await insertRows(s, kind, events, w, mid, to, `${token}/1`, dead, into));
    }
  }

  /**
   * Ids of `events` the table holds. One query for the batch's time span (ids matched here:
   * an IN list of thousands of UUID literals costs chDB more to parse than the span to read).
   */
  async function storedIds(s: ClickhouseStore, table: string, events: VexEvent[]): Promise<Set<string>> {
    let lo = Infinity, hi = -Infinity;
    for (const e of events) { if (e.ts < lo) lo = e.ts; if (e.ts > hi) hi = e.ts; }
    const text = await withRetry(`reading ${table} for re-sent rows`, () => s.query(
      `SELECT toString(id) FROM ${db}.${table} WHERE ts BETWEEN fromUnixTimestamp64Micro(toInt64(${Math.floor(lo)}), 'UTC') AND fromUnixTimestamp64Micro(toInt64(${Math.ceil(hi)}), 'UTC')`));
    const inSpan = new Set(text.split('\n'));
    const stored = new Set<string>();
    for (const e of events) if (inSpan.has(String(e.id))) stored.add(String(e.id));
    return stored;
  }

  /** A writer holding `events` as rows. */
  function rowsOf(events: VexEvent[]): RowBinaryWriter {
    const w = new RowBinaryWriter(Math.max(4096, events.length * ROW_BYTES_GUESS));
    for (const e of events) writeBinaryRow(w, e);
    return w;
  }

  /**
   * Adds rows to `table` without feeding its materialized views: through a staging copy of
   * the table whose partitions are attached to it (ATTACH PARTITION … FROM moves parts, it
   * does not insert). Used when the views already counted the rows (see recover()).
   */
  async function insertBypassingViews(s: ClickhouseStore, kind: Kind, events: VexEvent[], token: string, dead: Rejected[]): Promise<number> {
    const { table } = TABLES[kind];
    const staging = `${db}.${table}_repair`;
    await withRetry(`staging rows for ${table}`, async () => {
      await s.exec(`DROP TABLE IF EXISTS ${staging} SYNC`);
      await s.exec(`CREATE TABLE ${staging} AS ${db}.${table}`);
    });
    try {
      const n = await insertRows(s, kind, events, rowsOf(events), 0, events.length, `${token}|staged`, dead, staging);
      const parts = await withRetry(`reading ${staging}`, () => s.query(`SELECT DISTINCT partition_id FROM system.parts WHERE database = '${db}' AND table = '${table}_repair' AND active`));
      for (const id of parts.split('\n').filter(Boolean)) {
        await withRetry(`attaching staged rows to ${table}`, () => s.exec(`ALTER TABLE ${db}.${table} ATTACH PARTITION ID '${id}' FROM ${staging}`));
      }
      return n;
    } finally {
      await s.exec(`DROP TABLE IF EXISTS ${staging} SYNC`).catch(() => undefined);
    }
  }

  /**
   * Embedded store, the first batches of a lane after the sink opened: they may be re-sends
   * of batches the process before us wrote (wholly, for some tables only, or not at all)
   * without committing their position. chDB runs in our process, so that process's last
   * insert died with it at any point, including the one window the token cannot cover:
   * chDB logs an insert's token before it commits the insert's part, so a kill between the
   * two leaves the token without its rows, and the re-sent batch under that token is dropped
   * as a duplicate. The table's views were not fed yet (they are fed after the table's part
   * is committed); the re-send feeds them, its own rows are dropped.
   * So each such batch is checked before its insert:
   * - all its rows stored: it is inserted with its token anyway: the token drops the rows,
   *   and views the kill left behind the table are fed;
   * - none stored (the first batch past what the process before us finished): it is inserted
   *   with its token, and later batches of the lane were never written, so checking stops;
   * - some stored (the batch was cut differently this time): only the missing rows are
   *   inserted, under a token of their own.
   * After an insert of rows that were missing, the table is checked again: rows still missing
   * were dropped under a logged token (the views were fed by this insert), so they are added
   * without feeding the views again.
   */
  async function recover(s: ClickhouseStore, kind: Kind, lane: string, events: VexEvent[], w: RowBinaryWriter, token: string, dead: Rejected[]): Promise<number> {
    const { table } = TABLES[kind];
    const before = await storedIds(s, table, events);
    if (before.size > 0) sinkMetrics.resentRows.inc({ sink: name }, before.size);
    if (before.size === events.length) return insertRows(s, kind, events, w, 0, events.length, token, dead);
    const missing = before.size === 0 ? events : events.filter((e) => !before.has(String(e.id)));
    const n = before.size === 0
      ? await insertRows(s, kind, events, w, 0, events.length, token, dead)
      : await insertRows(s, kind, missing, rowsOf(missing), 0, missing.length, `${token}|rest${missing.length}`, dead);
    const after = await storedIds(s, table, missing);
    const refused = new Set(dead.map((d) => d.event));
    const lost = missing.filter((e) => !after.has(String(e.id)) && !refused.has(e));
    if (before.size === 0) recovered.add(`${lane}|${table}`);
    if (lost.length === 0) return n;
    sinkMetrics.restoredRows.inc({ sink: name }, lost.length);
    return n - lost.length + (await insertBypassingViews(s, kind, lost, token, dead));
  }

  /** A batch encoded and waiting for its insert: the rows of each kind, and the events refused while encoding. */
  interface Prepared { t0: number; token: string; lane: Batch['lane']; position: Batch['position']; byKind: Map<Kind, { events: VexEvent[]; w: RowBinaryWriter }>; dead: Rejected[]; newestUs: number }

  // Writers are reused once their batch's inserts have settled: encoding into a warm buffer
  // is about twice as fast as into freshly allocated memory (docs/benchmarks/sink.md).
  const pool: RowBinaryWriter[] = [];
  const takeWriter = (bytes: number): RowBinaryWriter => {
    const w = pool.pop();
    return w && w.buf.length >= bytes ? w.reset() : new RowBinaryWriter(bytes);
  };
  const giveBack = (p: Prepared): void => {
    for (const { w } of p.byKind.values()) if (pool.length < POOL_WRITERS && w.buf.length <= POOL_WRITER_BYTES) pool.push(w);
  };

  /** Encodes a batch as RowBinary, one writer per kind (synchronous: it runs in write()'s own call). */
  function encode(batch: Batch): Prepared {
    const t0 = performance.now();
    const dead: Rejected[] = [];
    const byKind = new Map<Kind, { events: VexEvent[]; w: RowBinaryWriter }>();
    let newestUs = 0;
    for (const ev of batch.events) {
      let g = byKind.get(ev?.kind);
      if (!g) {
        if (!TABLES[ev?.kind]) { dead.push({ event: ev, code: ErrorCodes.EVENT_INVALID, reason: `unknown event kind ${JSON.stringify(ev?.kind)}` }); continue; }
        byKind.set(ev.kind, (g = { events: [], w: takeWriter(Math.max(4096, batch.events.length * ROW_BYTES_GUESS)) }));
      }
      try { writeBinaryRow(g.w, ev); }
      catch (err) { dead.push({ event: ev, code: ErrorCodes.EVENT_INVALID, reason: `not encodable as a ${TABLES[ev.kind].table} row: ${(err as Error).message}` }); continue; }
      g.events.push(ev);
      if (ev.ts > newestUs) newestUs = ev.ts;
    }
    return { t0, token: batch.position.token, lane: batch.lane, position: batch.position, byKind, dead, newestUs };
  }

  // Pipelining: write() encodes its batch at once (on the JS thread), then queues the insert
  // behind the inserts of earlier write() calls, so batch N+1 is encoded while batch N is
  // being inserted (chDB inserts on a libuv thread) and the store sees batches in call order.
  // An insert is started synchronously — in write() when none is running, else in the
  // completion of the one before, ahead of that write's own resolution — so the caller's next
  // encoding never delays it. A write queued behind a failed one inserts nothing and fails too
  // (retriable): the caller re-sends the batches in order. Each write still resolves only once
  // its own batch is acknowledged, with its own token.
  const queue: { p: Prepared; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let running = false;
  let broken = false;

  function pump(): void {
    const job = queue[0];
    if (!job) { running = false; broken = false; return; }
    running = true;
    let started: Promise<void>;
    if (broken) started = Promise.reject(new VexfsError(ErrorCodes.STORE_UNAVAILABLE, `${name}: an earlier batch failed; this one (${job.p.token}) was not inserted, so batches stay in order`, { retriable: true, context: { token: job.p.token } }));
    else {
      try { started = insertPrepared(job.p); }
      catch (err) { started = Promise.reject(err); }
    }
    started.then(() => {
      queue.shift();
      giveBack(job.p);
      inDoubt = false;
      pump();
      job.resolve();
    }, (err: unknown) => {
      queue.shift();
      giveBack(job.p);
      inDoubt = true;
      broken = true;
      pump();
      job.reject(err);
    });
  }

  function write(batch: Batch): Promise<void> {
    let prepared: Prepared;
    try { prepared = encode(batch); }
    catch (err) { return Promise.reject(err); }
    return new Promise<void>((resolve, reject) => {
      queue.push({ p: prepared, resolve, reject });
      if (!running) pump();
    });
  }

  async function insertPrepared(p: Prepared): Promise<void> {
    const { token, byKind, dead, newestUs } = p;
    // no await once the store is open: the insert must start within this call (see pump)
    const s = store ?? (await withRetry('opening the store', ready));
    if (s.dialect === 'old' && (await withRetry('reading the batch ledger', () => s.query(`SELECT count() FROM ${db}.sink_batches WHERE token = '${token.replace(/[\\']/g, '\\$&')}'`))).trim() !== '0') {
      sinkMetrics.duplicateBatches.inc({ sink: name });
      return;
    }
    // Tables are independent: insert them concurrently, acknowledge when all are. Encoding
    // the whole batch first measured faster than streaming chunks to the store while
    // encoding, and faster than two inserts per table (docs/benchmarks/sink.md).
    const settled = await Promise.allSettled(KINDS.filter((k) => (byKind.get(k)?.events.length ?? 0) > 0).map(async (kind) => {
      const g = byKind.get(kind)!;
      const { table } = TABLES[kind];
      const n = s.kind === 'embedded' && s.dialect === 'modern' && !recovered.has(`${p.lane}|${table}`)
        ? await recover(s, kind, p.lane, g.events, g.w, `${token}|${table}`, dead)
        : await insertRows(s, kind, g.events, g.w, 0, g.events.length, `${token}|${table}`, dead);
      metrics.sinkRows.inc({ table }, n);
      return n;
    }));
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const rows = settled.reduce((a, r) => a + (r.status === 'fulfilled' ? r.value : 0), 0);
    for (const d of dead) {
      await cfg.deadLetter.send(eventDeadLetter(stage, d.code, d.reason, d.event, p.position));
      metrics.deadLetters.inc({ stage, reason: reasonLabel(d.reason) });
    }
    if (s.dialect === 'old') {
      await withRetry('recording the batch', () => s.insertTsv(`${db}.sink_batches`, ['token', 'rows'], Buffer.from(`${tsvString(token)}\t${rows}\n`), token));
    }
    if (newestUs > 0) metrics.sinkLag.set(Math.max(0, Date.now() / 1000 - newestUs / 1e6));
    sinkMetrics.batchDuration.observe({ sink: name }, (performance.now() - p.t0) / 1000);
  }

  return {
    name,
    maxInFlight: PIPELINE_DEPTH,
    ready,
    write,
    async healthcheck() {
      try {
        const s = await ready();
        await s.query('SELECT 1');
        sinkMetrics.up.set({ sink: name }, 1);
        return { ok: true, detail: `${s.kind} ClickHouse ${s.version} (${s.dialect} dialect), database ${db}` };
      } catch (err) {
        sinkMetrics.up.set({ sink: name }, 0);
        return { ok: false, detail: (err as Error).message };
      }
    },
    async close() {
      stop.abort();
      cfg.signal?.removeEventListener('abort', onAbort);
      const s = store ?? (await opening?.catch(() => undefined));
      store = undefined;
      await s?.close();
      if (cfg.ownDeadLetter) await cfg.deadLetter.close();
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal.removeEventListener('abort', done); resolve(); }
    signal.addEventListener('abort', done, { once: true });
  });
}
