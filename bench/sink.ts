/**
 * Sink throughput and lag: chdb_rows_per_s, server_rows_per_s, e2e_lag_p99_s.
 * Baseline in the same run: the store's own insert of the same rows already encoded as TSV
 * (no event encoding, no dedup token, no batch ledger) — the ceiling the sink can reach.
 * Run: npx tsx bench/sink.ts   (SINK_BENCH_CHDB_ROWS, SINK_BENCH_SERVER_ROWS, SINK_BENCH_LAG_S,
 * CLICKHOUSE_URL optional: otherwise a Debian clickhouse-server is started for the run)
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsPayload } from '../src/events/payloads.js';
import type { VexEvent } from '../src/events/types.js';
import { uuidv7 } from '../src/events/uuid7.js';
import { startClickhouseServer } from '../src/infra/clickhouse-server.js';
import { createClickhouseSink } from '../src/sinks/clickhouse/clickhouse-sink.js';
import { openStore } from '../src/sinks/clickhouse/open-store.js';
import { eventRow, TABLES } from '../src/sinks/clickhouse/rows.js';
import type { ClickhouseStore } from '../src/sinks/clickhouse/store.js';

const CHDB_ROWS = Number(process.env.SINK_BENCH_CHDB_ROWS ?? 500_000);
const SERVER_ROWS = Number(process.env.SINK_BENCH_SERVER_ROWS ?? 300_000);
const LAG_S = Number(process.env.SINK_BENCH_LAG_S ?? 10);
const BATCH = 50_000;
const LAG_RATE = Number(process.env.SINK_BENCH_LAG_RATE ?? 5_000);
const ROOT = new URL('..', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'vexfs-bench-sink-'));
const OPS = ['getattr', 'write', 'read', 'write', 'open', 'release', 'getattr', 'write', 'create', 'truncate'];

let seq = 0;
/** `n` fs events stamped now, with unique UUIDv7 ids (as the emitter makes them). */
function fsEvents(n: number): VexEvent[] {
  const out: VexEvent[] = new Array(n);
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const s = ++seq;
    const op = OPS[s % OPS.length]!;
    const path = `/d${s % 64}/f${s % 4093}.dat`;
    out[i] = { id: uuidv7(now), node: 'bench-1', seq: s, ts: now * 1000 + (i % 1000), kind: 'fs', op, priority: 'normal', key: path, prevHash: Buffer.alloc(32), hash: Buffer.alloc(32),
      payload: fsPayload({ path, offset: (s % 256) * 4096, size: 4096, result: op === 'write' || op === 'read' ? 4096 : 0, uid: 1000, gid: 1000, pid: 4000 + (s % 8), latencyUs: 10 + (s % 90), mode: op === 'create' ? 0o100644 : null }) };
  }
  return out;
}

/** Rows/s through the sink (encode + insert + ack) and through the bare store insert of pre-encoded TSV. */
async function throughput(label: string, cfg: { url?: string; dataDir?: string }, rows: number) {
  const database = `bench_${Date.now().toString(36)}`;
  const sink = createClickhouseSink({ ...cfg, database });
  const store: ClickhouseStore = await sink.ready();
  const baseDb = `${database}_base`;
  const baseStore = await openStore({ ...cfg, database: baseDb });
  let sinkSeconds = 0;
  let baseSeconds = 0;
  let sinkCpu = 0;
  let batches = 0;
  try {
    for (let done = 0; done < rows; done += BATCH) {
      const events = fsEvents(Math.min(BATCH, rows - done));
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await sink.write({ lane: 'normal', events, position: { kind: 'journal', token: `journal:bench-1:${events[0]!.seq}-${events[events.length - 1]!.seq}` } });
      sinkSeconds += (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      sinkCpu += (c.user + c.system) / 1e6;
      const tsv = Buffer.from(fsEvents(events.length).map(eventRow).join(''));
      const t1 = performance.now();
      await baseStore.insertTsv(`${baseDb}.fs_events`, TABLES.fs.columns, tsv, `base-${batches}`);
      baseSeconds += (performance.now() - t1) / 1000;
      batches++;
    }
    const stored = Number((await store.query(`SELECT count() FROM ${database}.fs_events`)).trim());
    if (stored !== rows) throw new Error(`${label}: ${stored} rows stored, ${rows} written`);
    console.error(`${label}: sink ${Math.round(rows / sinkSeconds)} rows/s, bare insert ${Math.round(rows / baseSeconds)} rows/s (${store.dialect} dialect, ClickHouse ${store.version})`);
    return { sink: rows / sinkSeconds, sinkPerCpu: rows / sinkCpu, base: rows / baseSeconds, version: store.version, dialect: store.dialect };
  } finally {
    await baseStore.close();
    await sink.close();
  }
}

/** Append → queryable lag under a steady load, batches flushed every 100 ms (or at 10,000 events). */
async function lag(cfg: { dataDir: string }) {
  const database = `bench_lag_${Date.now().toString(36)}`;
  const sink = createClickhouseSink({ ...cfg, database });
  const store = await sink.ready();
  const queue: { ev: VexEvent; at: number }[] = [];
  const lags: number[] = [];
  let producing = true;
  const producer = (async () => {
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < LAG_S * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * LAG_RATE) - sent;
      if (due > 0) {
        const at = performance.now();
        for (const ev of fsEvents(due)) queue.push({ ev, at });
        sent += due;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    producing = false;
  })();
  while (producing || queue.length) {
    if (queue.length < 10_000 && producing) await new Promise((r) => setTimeout(r, 100));
    const take = queue.splice(0, 10_000);
    if (!take.length) continue;
    const events = take.map((q) => q.ev);
    await sink.write({ lane: 'normal', events, position: { kind: 'journal', token: `journal:bench-1:${events[0]!.seq}-${events[events.length - 1]!.seq}` } });
    const last = events[events.length - 1]!.id;
    const seen = Number((await store.query(`SELECT count() FROM ${database}.fs_events WHERE id = '${last}'`)).trim());
    if (seen !== 1) throw new Error('an acknowledged row is not queryable');
    const now = performance.now();
    for (const q of take) lags.push((now - q.at) / 1000);
  }
  await producer;
  await sink.close();
  lags.sort((a, b) => a - b);
  const p = (x: number) => lags[Math.min(lags.length - 1, Math.ceil(x * lags.length) - 1)]!;
  console.error(`lag: ${lags.length} events, p50 ${p(0.5).toFixed(3)} s, p99 ${p(0.99).toFixed(3)} s, max ${lags[lags.length - 1]!.toFixed(3)} s`);
  return { p50: p(0.5), p99: p(0.99), max: lags[lags.length - 1]!, n: lags.length };
}

const chdbCfg = { dataDir: join(work, 'data') };
const chdb = await throughput('chdb', chdbCfg, CHDB_ROWS);
const e2e = await lag(chdbCfg);
const own = process.env.CLICKHOUSE_URL ? undefined : await startClickhouseServer({ dir: join(work, 'server') });
let server;
try { server = await throughput('server', { url: process.env.CLICKHOUSE_URL ?? own!.url }, SERVER_ROWS); }
finally { await own?.stop(); }
rmSync(work, { recursive: true, force: true });

const r0 = (n: number) => Math.round(n);
const r3 = (n: number) => Number(n.toFixed(3));
const result = {
  bench: 'sink',
  at: new Date().toISOString(),
  commit: (() => { try { return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim(); } catch { return 'unknown'; } })(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, loadavg1m: Number(loadavg()[0]!.toFixed(2)) },
  conditions: `fs events with UUIDv7 ids written through createClickhouseSink in batches of ${BATCH} (TSV encoding, dedup token, per-minute rollup MV, ack awaited; time of write() only, event generation excluded). chDB ${chdb.version} embedded (${CHDB_ROWS} rows); server: Debian clickhouse-server ${server.version} on 127.0.0.1 (${server.dialect} dialect: batch ledger instead of dedup token, ${SERVER_ROWS} rows). Baseline: the store's bare insert of the same number of rows pre-encoded as TSV into an identical table. Lag: ${LAG_RATE} events/s for ${LAG_S} s appended to an in-process queue, batched every 100 ms or 10,000 events (a stand-in for the bridge), written to chDB, then the batch's last id queried; lag = that query's return - the event's append. Wall clock (and, for chDB, per CPU second of the process) on a shared 2-core VM (load average at the end ${loadavg()[0]!.toFixed(1)}).`,
  metrics: {
    chdb_rows_per_s: { value: r0(chdb.sink), unit: 'rows/s', target: 500000, better: 'higher' },
    chdb_rows_per_cpu_s: { value: r0(chdb.sinkPerCpu), unit: 'rows/CPU-s', better: 'higher', note: 'rows per CPU second of this process (chDB runs in-process, so its threads count): less sensitive to the other load on the machine' },
    chdb_bare_insert_rows_per_s: { value: r0(chdb.base), unit: 'rows/s', better: 'higher', note: 'baseline: pre-encoded TSV, bare insert' },
    chdb_ratio_to_bare_insert: { value: r3(chdb.sink / chdb.base), unit: 'ratio', better: 'higher' },
    server_rows_per_s: { value: r0(server.sink), unit: 'rows/s', target: 200000, better: 'higher' },
    server_bare_insert_rows_per_s: { value: r0(server.base), unit: 'rows/s', better: 'higher', note: 'baseline: pre-encoded TSV, bare insert' },
    server_ratio_to_bare_insert: { value: r3(server.sink / server.base), unit: 'ratio', better: 'higher' },
    e2e_lag_p99_s: { value: r3(e2e.p99), unit: 's', target: 2, better: 'lower' },
    e2e_lag_p50_s: { value: r3(e2e.p50), unit: 's', better: 'lower' },
  },
};
const out = JSON.stringify(result, null, 2);
console.log(out);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/sink.json', import.meta.url), out + '\n');
