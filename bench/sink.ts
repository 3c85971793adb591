/**
 * Sink throughput and lag: chdb_rows_per_s, server_rows_per_s, e2e_lag_p99_s.
 * Baselines in the same run, interleaved batch by batch with the sink: the store's own insert
 * of the same number of rows already encoded (no event encoding, no batch ledger), once as
 * TSV through the store's text path (what the sink did before RowBinary) and once as RowBinary
 * through the path the sink uses now (the ceiling the sink can reach). CPU seconds are counted
 * for this process (chDB runs in it) and, for a server this run started, the server process.
 * Run: npx tsx bench/sink.ts   (SINK_BENCH_CHDB_ROWS, SINK_BENCH_SERVER_ROWS, SINK_BENCH_LAG_S,
 * CLICKHOUSE_URL optional: otherwise a Debian clickhouse-server is started for the run)
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fsPayload } from '../src/events/payloads.js';
import { createEventCodec } from '../src/events/codec.js';
import type { VexEvent } from '../src/events/types.js';
import { uuidv7 } from '../src/events/uuid7.js';
import { startClickhouseServer } from '../src/infra/clickhouse-server.js';
import { createClickhouseSink } from '../src/sinks/clickhouse/clickhouse-sink.js';
import { openStore } from '../src/sinks/clickhouse/open-store.js';
import { eventRow, TABLES } from '../src/sinks/clickhouse/rows.js';
import { BINARY_TYPES, RowBinaryWriter, writeBinaryRow } from '../src/sinks/clickhouse/row-binary.js';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { ClickhouseStore } from '../src/sinks/clickhouse/store.js';

const CHDB_ROWS = Number(process.env.SINK_BENCH_CHDB_ROWS ?? 1_000_000);
const SERVER_ROWS = Number(process.env.SINK_BENCH_SERVER_ROWS ?? 300_000);
const LAG_S = Number(process.env.SINK_BENCH_LAG_S ?? 10);
const BATCH = Number(process.env.SINK_BENCH_BATCH ?? 50_000);
const SMALL_BATCH = 100;
/**
 * Batches per lane per round. The pipelined lane fills and drains its pipeline once per round
 * (the first encoding and the last insert are not overlapped), which a continuously fed sink
 * does not: 10 keeps that to a tenth of the round.
 */
const ROUND = Number(process.env.SINK_BENCH_ROUND ?? 10);
/** The server lanes: fewer rows (its figures are not the bottleneck here), so shorter rounds. */
const SERVER_ROUND = Number(process.env.SINK_BENCH_SERVER_ROUND ?? 5);
const SMALL_ROWS = Number(process.env.SINK_BENCH_SMALL_ROWS ?? 20_000);
const LAG_RATE = Number(process.env.SINK_BENCH_LAG_RATE ?? 5_000);
const ROOT = new URL('..', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'vexfs-bench-sink-'));
const OPS = ['getattr', 'write', 'read', 'write', 'open', 'release', 'getattr', 'write', 'create', 'truncate'];

let seq = 0;
const codec = createEventCodec();
const scratch = Buffer.alloc(64 * 1024);
/**
 * `n` fs events stamped now, with unique UUIDv7 ids (as the emitter makes them), round-tripped
 * through the codec: the sink receives events the runner decoded from the journal or Kafka
 * (flat strings, one record shape), not freshly concatenated ones.
 */
function fsEvents(n: number): VexEvent[] {
  const out: VexEvent[] = new Array(n);
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const s = ++seq;
    const op = OPS[s % OPS.length]!;
    const path = `/d${s % 64}/f${s % 4093}.dat`;
    out[i] = { id: uuidv7(now), node: 'bench-1', seq: s, ts: now * 1000 + (i % 1000), kind: 'fs', op, priority: 'normal', key: path, prevHash: Buffer.alloc(32), hash: Buffer.alloc(32),
      payload: fsPayload({ path, offset: (s % 256) * 4096, size: 4096, result: op === 'write' || op === 'read' ? 4096 : 0, uid: 1000, gid: 1000, pid: 4000 + (s % 8), latencyUs: 10 + (s % 90), mode: op === 'create' ? 0o100644 : null }) };
    out[i] = codec.decode(Buffer.from(scratch.subarray(0, codec.encodeInto(out[i]!, scratch, 0))), 0).event;
  }
  return out;
}

/** CPU seconds of this process plus, when given, another one (a server this run started). */
function cpuSeconds(otherPid?: number): number {
  const c = process.cpuUsage();
  let s = (c.user + c.system) / 1e6;
  if (otherPid) {
    // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks (100 Hz)
    const f = readFileSync(`/proc/${otherPid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    s += (Number(f[11]) + Number(f[12])) / 100;
  }
  return s;
}

type Lane = { seconds: number; cpu: number };

// Each timed step starts after a full GC, so the garbage of generating the test events (and
// of the lane before) is not collected on the next lane's clock.
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as () => void;

/**
 * Rows/s through the sink (encode + insert + ack) and through the bare store inserts of
 * pre-encoded rows. Rounds of ROUND batches: in each, every lane handles ROUND fresh batches
 * (lane order rotating per round): the sink as the bridge drives it (up to sink.maxInFlight
 * writes outstanding: batch N+1 is encoded while N is inserted), the same sink awaited batch by
 * batch (one write at a time, the pre-pipelining figure), and the references.
 */
async function throughput(label: string, cfg: { url?: string; dataDir?: string }, rows: number, batch: number, round: number, serverPid?: number) {
  const database = `bench_${Date.now().toString(36)}`;
  const sink = createClickhouseSink({ ...cfg, database });
  const store: ClickhouseStore = await sink.ready();
  const serialDb = `${database}_serial`;
  const serialSink = createClickhouseSink({ ...cfg, database: serialDb });
  await serialSink.ready();
  const tsvDb = `${database}_tsv`;
  const rbDb = `${database}_rb`;
  const tsvStore = await openStore({ ...cfg, database: tsvDb });
  const rbStore = await openStore({ ...cfg, database: rbDb });
  const depth = sink.maxInFlight ?? 1;
  const encWriter = new RowBinaryWriter(batch * 160);
  const lanes = { sink: { seconds: 0, cpu: 0 }, serial: { seconds: 0, cpu: 0 }, tsv: { seconds: 0, cpu: 0 }, rb: { seconds: 0, cpu: 0 }, enc: { seconds: 0, cpu: 0 } };
  const timed = async (lane: Lane, fn: () => Promise<unknown>) => {
    fullGc();
    const t0 = performance.now();
    const c0 = cpuSeconds(serverPid);
    await fn();
    lane.seconds += (performance.now() - t0) / 1000;
    lane.cpu += cpuSeconds(serverPid) - c0;
  };
  const position = (events: VexEvent[]) => ({ kind: 'journal' as const, token: `journal:bench-1:${events[0]!.seq}-${events[events.length - 1]!.seq}` });
  let rounds = 0;
  let k = 0;
  try {
    for (let done = 0; done < rows; rounds++) {
      const sizes: number[] = [];
      for (let i = 0; i < round && done < rows; i++) { const n = Math.min(batch, rows - done); sizes.push(n); done += n; }
      const gen = () => sizes.map((n) => fsEvents(n));
      const piped = gen();
      const serial = gen();
      const tsv = sizes.map((n) => Buffer.from(fsEvents(n).map(eventRow).join('')));
      const rb = sizes.map((n) => { const w = new RowBinaryWriter(n * 160); for (const ev of fsEvents(n)) writeBinaryRow(w, ev); return w.rows(0, n); });
      const toEncode = gen();
      const steps: [Lane, () => Promise<unknown>][] = [
        // as the bridge drives a pipelining sink: up to `depth` writes outstanding, each awaited in order
        [lanes.sink, async () => {
          const out: Promise<void>[] = [];
          for (const events of piped) {
            if (out.length >= depth) await out.shift();
            out.push(sink.write({ lane: 'normal', events, position: position(events) }));
          }
          await Promise.all(out);
        }],
        [lanes.serial, async () => { for (const events of serial) await serialSink.write({ lane: 'normal', events, position: position(events) }); }],
        [lanes.tsv, async () => { for (const b of tsv) await tsvStore.insertTsv(`${tsvDb}.fs_events`, TABLES.fs.columns, b, `base-${++k}`); }],
        [lanes.rb, async () => { for (const b of rb) await rbStore.insertRowBinary(`${rbDb}.fs_events`, TABLES.fs.columns, BINARY_TYPES.fs, b, `base-${++k}`); }],
        // the sink's JS share: RowBinary encoding of fresh events, nothing inserted
        // (into a reused writer, as the sink does)
        [lanes.enc, async () => { for (const evs of toEncode) { const e = encWriter.reset(); for (const ev of evs) writeBinaryRow(e, ev); } }],
      ];
      // Rotate the order: background merges of one lane's parts then land on every lane alike.
      for (let j = 0; j < steps.length; j++) { const [lane, fn] = steps[(rounds + j) % steps.length]!; await timed(lane, fn); }
    }
    for (const [db, s] of [[database, store], [serialDb, store], [tsvDb, tsvStore], [rbDb, rbStore]] as const) {
      const stored = Number((await s.query(`SELECT count() FROM ${db}.fs_events`)).trim());
      if (stored !== rows) throw new Error(`${label}: ${stored} rows stored in ${db}, ${rows} written`);
    }
    const rate = (l: Lane) => rows / l.seconds;
    const perCpu = (l: Lane) => rows / l.cpu;
    console.error(`${label} (batches of ${batch}, rounds of ${round}): sink ${Math.round(rate(lanes.sink))} rows/s (${Math.round(perCpu(lanes.sink))}/CPU-s; ${depth} writes in flight), one write at a time ${Math.round(rate(lanes.serial))} (${Math.round(perCpu(lanes.serial))}/CPU-s), bare TSV ${Math.round(rate(lanes.tsv))} (${Math.round(perCpu(lanes.tsv))}/CPU-s), bare RowBinary ${Math.round(rate(lanes.rb))} (${Math.round(perCpu(lanes.rb))}/CPU-s), encode only ${Math.round(rate(lanes.enc))} (${Math.round(perCpu(lanes.enc))}/CPU-s) (${store.dialect} dialect, ClickHouse ${store.version})`);
    return {
      sink: rate(lanes.sink), sinkPerCpu: perCpu(lanes.sink), serial: rate(lanes.serial), serialPerCpu: perCpu(lanes.serial), depth,
      tsv: rate(lanes.tsv), tsvPerCpu: perCpu(lanes.tsv), rb: rate(lanes.rb), rbPerCpu: perCpu(lanes.rb), enc: rate(lanes.enc), encPerCpu: perCpu(lanes.enc),
      version: store.version, dialect: store.dialect,
    };
  } finally {
    await tsvStore.close();
    await rbStore.close();
    await serialSink.close();
    await sink.close();
  }
}

/** Rows/s through the sink alone at a small batch size (what a bridge batch of that size costs). */
async function smallBatches(cfg: { url?: string; dataDir?: string }, rows: number, batch: number) {
  const database = `bench_small_${Date.now().toString(36)}`;
  const sink = createClickhouseSink({ ...cfg, database });
  await sink.ready();
  let seconds = 0;
  try {
    for (let done = 0; done < rows; done += batch) {
      const events = fsEvents(Math.min(batch, rows - done));
      const t0 = performance.now();
      await sink.write({ lane: 'normal', events, position: { kind: 'journal', token: `journal:bench-1:${events[0]!.seq}-${events[events.length - 1]!.seq}` } });
      seconds += (performance.now() - t0) / 1000;
    }
  } finally { await sink.close(); }
  console.error(`batches of ${batch}: sink ${Math.round(rows / seconds)} rows/s`);
  return rows / seconds;
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
const chdb = await throughput('chdb', chdbCfg, CHDB_ROWS, BATCH, ROUND);
// probes: the chDB throughput lanes alone, nothing written
if (process.env.SINK_BENCH_CHDB_ONLY) { rmSync(work, { recursive: true, force: true }); process.exit(0); }
const chdbSmall = await smallBatches(chdbCfg, SMALL_ROWS, SMALL_BATCH);
const e2e = await lag(chdbCfg);
const own = process.env.CLICKHOUSE_URL ? undefined : await startClickhouseServer({ dir: join(work, 'server') });
let server;
try { server = await throughput('server', { url: process.env.CLICKHOUSE_URL ?? own!.url }, SERVER_ROWS, BATCH, SERVER_ROUND, own?.pid); }
finally { await own?.stop(); }
rmSync(work, { recursive: true, force: true });

const r0 = (n: number) => Math.round(n);
const r3 = (n: number) => Number(n.toFixed(3));
const result = {
  bench: 'sink',
  at: new Date().toISOString(),
  commit: (() => { try { return execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim(); } catch { return 'unknown'; } })(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, loadavg1m: Number(loadavg()[0]!.toFixed(2)) },
  conditions: `fs events with UUIDv7 ids, round-tripped through the codec (the decoded shapes the runner hands the sink), written through createClickhouseSink in batches of ${BATCH}, driven as the bridge drives it (up to sink.maxInFlight = ${chdb.depth} writes outstanding: batch N+1 encoded while batch N is inserted; acks in order), and, as a second lane, awaited one write at a time (RowBinary encoding, sent to the server with INSERT … FORMAT RowBinary / spooled to a file chDB reads with file(); dedup token, per-minute rollup MV, ack awaited; time of write() only, event generation excluded). chDB ${chdb.version} embedded (${CHDB_ROWS} rows); server: Debian clickhouse-server ${server.version} on 127.0.0.1 (${server.dialect} dialect: batch ledger instead of dedup token, ${SERVER_ROWS} rows). All lanes run in rounds of ${ROUND} (server: ${SERVER_ROUND}) fresh batches each, lane order rotating per round. Baselines in the same run: the store's bare insert of the same number of rows pre-encoded, as TSV through the store's text path (chDB raw insert / HTTP insert: what the sink did before) and as RowBinary through the sink's path, each into an identical database; and the RowBinary encoding of fresh events alone (no insert; into one reused writer, as the sink reuses its writers). Each timed step (a lane's round) starts after a full GC. CPU: seconds of this process (chDB and its threads included)${own ? ' plus, for the server figures, the server process' : ''}. Small batches: ${SMALL_ROWS} rows into chDB in batches of ${SMALL_BATCH} (the bridge's default batch size). Lag: ${LAG_RATE} events/s for ${LAG_S} s appended to an in-process queue, batched every 100 ms or 10,000 events (a stand-in for the bridge), written to chDB, then the batch's last id queried; lag = that query's return - the event's append. Shared 2-core VM (load average at the end ${loadavg()[0]!.toFixed(1)}).`,
  metrics: {
    chdb_rows_per_s: { value: r0(chdb.sink), unit: 'rows/s', target: 500000, better: 'higher' },
    chdb_rows_per_s_one_write_at_a_time: { value: r0(chdb.serial), unit: 'rows/s', better: 'higher', note: 'the same sink awaited batch by batch (no pipelining: encoding and insert in series, the figure before pipelining)' },
    chdb_pipelining_ratio: { value: r3(chdb.sink / chdb.serial), unit: 'ratio', better: 'higher', note: `chdb_rows_per_s (${chdb.depth} writes in flight) / chdb_rows_per_s_one_write_at_a_time` },
    chdb_rows_per_cpu_s: { value: r0(chdb.sinkPerCpu), unit: 'rows/CPU-s', better: 'higher', note: 'rows per CPU second of this process (chDB runs in-process, so its threads count): less sensitive to the other load on the machine' },
    chdb_bare_insert_rows_per_s: { value: r0(chdb.tsv), unit: 'rows/s', better: 'higher', note: 'baseline: pre-encoded TSV, bare insert through chDB\'s raw insert (the sink\'s path before RowBinary)' },
    chdb_bare_insert_rows_per_cpu_s: { value: r0(chdb.tsvPerCpu), unit: 'rows/CPU-s', better: 'higher' },
    chdb_ratio_to_bare_insert: { value: r3(chdb.sink / chdb.tsv), unit: 'ratio', better: 'higher' },
    chdb_bare_rowbinary_rows_per_s: { value: r0(chdb.rb), unit: 'rows/s', better: 'higher', note: 'ceiling: pre-encoded RowBinary through the sink\'s path (spool file + INSERT SELECT FROM file())' },
    chdb_bare_rowbinary_rows_per_cpu_s: { value: r0(chdb.rbPerCpu), unit: 'rows/CPU-s', better: 'higher' },
    chdb_ratio_to_bare_rowbinary: { value: r3(chdb.sink / chdb.rb), unit: 'ratio', better: 'higher' },
    encode_rowbinary_rows_per_s: { value: r0(chdb.enc), unit: 'rows/s', better: 'higher', note: 'the sink\'s JS share alone: RowBinary encoding of fresh fs events (chDB run), nothing inserted' },
    encode_rowbinary_rows_per_cpu_s: { value: r0(chdb.encPerCpu), unit: 'rows/CPU-s', better: 'higher' },
    chdb_rows_per_s_batch_100: { value: r0(chdbSmall), unit: 'rows/s', better: 'higher', note: `sink alone, batches of ${SMALL_BATCH} (per-insert overhead)` },
    server_rows_per_s: { value: r0(server.sink), unit: 'rows/s', target: 200000, better: 'higher' },
    server_rows_per_s_one_write_at_a_time: { value: r0(server.serial), unit: 'rows/s', better: 'higher' },
    server_pipelining_ratio: { value: r3(server.sink / server.serial), unit: 'ratio', better: 'higher' },
    server_rows_per_cpu_s: { value: r0(server.sinkPerCpu), unit: 'rows/CPU-s', better: 'higher', note: own ? 'this process plus the server process' : 'this process only (server not started by this run)' },
    server_bare_insert_rows_per_s: { value: r0(server.tsv), unit: 'rows/s', better: 'higher', note: 'baseline: pre-encoded TSV, bare HTTP insert (the sink\'s format before RowBinary)' },
    server_bare_insert_rows_per_cpu_s: { value: r0(server.tsvPerCpu), unit: 'rows/CPU-s', better: 'higher' },
    server_ratio_to_bare_insert: { value: r3(server.sink / server.tsv), unit: 'ratio', better: 'higher' },
    server_bare_rowbinary_rows_per_s: { value: r0(server.rb), unit: 'rows/s', better: 'higher', note: 'ceiling: pre-encoded RowBinary, bare HTTP insert' },
    server_bare_rowbinary_rows_per_cpu_s: { value: r0(server.rbPerCpu), unit: 'rows/CPU-s', better: 'higher' },
    server_ratio_to_bare_rowbinary: { value: r3(server.sink / server.rb), unit: 'ratio', better: 'higher' },
    e2e_lag_p99_s: { value: r3(e2e.p99), unit: 's', target: 2, better: 'lower' },
    e2e_lag_p50_s: { value: r3(e2e.p50), unit: 's', better: 'lower' },
  },
};
const out = JSON.stringify(result, null, 2);
console.log(out);
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/sink.json', import.meta.url), out + '\n');
