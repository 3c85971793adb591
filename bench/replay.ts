/**
 * Replay and verify throughput: replay_journal_events_per_s, verify_events_per_s, replay_kafka_events_per_s.
 * Baselines in the same run: the journal's own reader (codec.decode of every event) and the replay through it for
 * replay; node:crypto per event, and the native batch hash alone, for verify.
 * Run: npx tsx bench/replay.ts   (REPLAY_BENCH_EVENTS, REPLAY_BENCH_KAFKA_EVENTS, KAFKA_BROKERS optional;
 * REPLAY_BENCH_KAFKA=0 skips the Kafka part, REPLAY_BENCH_ROUNDS sets the rounds, default 3)
 */
import { createHash, hash as nodeHash } from 'node:crypto';
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { createEventCodec } from '../src/events/codec.js';
import { createEmitter } from '../src/events/emitter.js';
import { fsPayload } from '../src/events/payloads.js';
import { openJournal } from '../src/log/journal/index.js';
import { startKafkaBroker } from '../src/infra/kafka-broker.js';
import { attachCheckpointer } from '../src/audit/checkpointer.js';
import { verify } from '../src/audit/verify.js';
import { verifyJournal } from '../src/audit/parallel-verify.js';
import { journalBytes, journalEvents, journalEventsRaw, journalRecords, readKafkaRangeEvents } from '../src/replay/sources.js';
import { replay, type ReplayTarget } from '../src/replay/replay.js';
import { nativeFirstBadIn } from '../src/audit/batch-hash.js';
import { catalogTarget } from '../src/replay/targets.js';

const N = Number(process.env.REPLAY_BENCH_EVENTS ?? 500_000);
const NK = Number(process.env.REPLAY_BENCH_KAFKA_EVENTS ?? 100_000);
const ROUNDS = Number(process.env.REPLAY_BENCH_ROUNDS ?? 3);
const firstBadIn = nativeFirstBadIn();
const load0 = loadavg()[0]!;
const codec = createEventCodec();
const work = mkdtempSync(join(tmpdir(), 'vexfs-bench-replay-'));

/** Runs `fn` and returns events per wall second and per CPU second of this process. */
async function measure(events: number, fn: () => Promise<unknown>): Promise<{ wall: number; cpu: number; seconds: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const seconds = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { wall: events / seconds, cpu: events / ((c.user + c.system) / 1e6), seconds };
}

// A recorded log: a mix of fs operations over 4,093 files in 64 directories, checkpoints every 10,000 events.
function record(dirJ: string, n: number) {
  return (async () => {
    const j = await openJournal({ dir: dirJ, fsync: 'lazy' });
    const em = attachCheckpointer(createEmitter({ node: 'bench-1', log: j, codec, validate: false }), { every: 10_000, intervalMs: 0, keyDir: join(work, 'keys') });
    const ops = ['getattr', 'write', 'read', 'write', 'open', 'release', 'getattr', 'write', 'create', 'truncate'];
    for (let i = 0; i < n; i++) {
      const op = ops[i % ops.length]!;
      const f = i % 4093;
      const path = `/d${f % 64}/f${f}.dat`;
      em.emit({ kind: 'fs', op, key: path, payload: fsPayload({ path, offset: (i % 256) * 4096, size: 4096, result: op === 'write' || op === 'read' ? 4096 : 0, uid: 1000, gid: 1000, pid: 4000 + (i % 8), latencyUs: 15, mode: op === 'create' ? 0o100644 : null }) });
    }
    em.stop();
    await j.close();
  })();
}

const dirJ = join(work, 'journal');
mkdirSync(dirJ);
const tRec = performance.now();
await record(dirJ, N);
const total = N + Math.ceil(N / 10_000);
console.error(`recorded ${total} events in ${((performance.now() - tRec) / 1000).toFixed(1)} s`);

// warm-up (JIT, page cache)
await replay(journalEvents(dirJ), [catalogTarget()], { toSeq: 50_000 });
await replay(journalRecords(dirJ), [catalogTarget()], { toSeq: 50_000 });
await verify(journalRecords(dirJ));

/** The catalog without its `accepts`: the replay decodes and hands it every event (the cost when a target uses them all). */
function catalogTakingAll(): ReplayTarget {
  const t = catalogTarget();
  return { name: t.name, apply: (b) => t.apply(b), stateHash: t.stateHash! };
}

// The machine is shared: each figure is the best of ROUNDS runs, the runs of different figures interleaved.
type M = { wall: number; cpu: number; seconds: number };
const best: Record<string, M> = {};
const keep = (k: string, m: M) => { const b = best[k]; if (!b || m.wall > b.wall) best[k] = m; };
let verified = 0;
const hashing = firstBadIn ? 'native' : 'node';
const mustPass = (r: { ok: boolean; finding: unknown }) => { if (!r.ok) throw new Error(JSON.stringify(r.finding)); };
for (let round = 0; round < ROUNDS; round++) {
  // what `vexfs replay` runs: raw records, head-only, decoding the events the catalog uses
  keep('replay', await measure(total, () => replay(journalRecords(dirJ), [catalogTarget()])));
  keep('replayAll', await measure(total, () => replay(journalRecords(dirJ), [catalogTakingAll()])));
  keep('replayDecoded', await measure(total, () => replay(journalEvents(dirJ), [catalogTarget()])));
  keep('replayBase', await measure(total, () => replay(journalEventsRaw(dirJ), [catalogTarget()])));
  // what `vexfs audit verify` runs: raw records, native batch hash check when the addon is built
  keep('verify', await measure(total, async () => { const r = await verify(journalRecords(dirJ)); mustPass(r); verified = r.events; }));
  keep('verifyNode', await measure(total, async () => mustPass(await verify(journalRecords(dirJ), { hashing: 'node' }))));
  keep('verify2T', await measure(total, async () => { const r = await verifyJournal(dirJ, { threads: 2, parallelMinBytes: 0 }); mustPass(r); if (r.threads !== 2) throw new Error('two-thread verify fell back to one pass'); }));
  keep('verifyW1', await measure(total, async () => mustPass(await verify(journalRecords(dirJ), { workers: 1, workersAfter: 0 }))));
  // same reader, no checks: hashing each event with node:crypto only / the native batch check only
  keep('verifyBase', await measure(total, async () => { for await (const b of journalBytes(dirJ)) for (const e of b) nodeHash('sha256', e.bytes.subarray(0, e.bytes.length - 32), 'buffer'); }));
  if (firstBadIn) keep('verifyNativeBase', await measure(total, async () => { for await (const b of journalRecords(dirJ)) if (firstBadIn(b.buf, b.offs, b.count) >= 0) throw new Error('bad hash'); }));
  keep('readOnly', await measure(total, async () => { for await (const b of journalEvents(dirJ)) void b; }));
  keep('raw', await measure(total, async () => { let n = 0; for await (const b of journalBytes(dirJ)) n += b.length; }));
  keep('rawRecords', await measure(total, async () => { let n = 0; for await (const b of journalRecords(dirJ)) n += b.count; }));
}
const replayFast = best.replay!, replayAll = best.replayAll!, replayDecoded = best.replayDecoded!, replayBase = best.replayBase!, verifyRun = best.verify!, verifyNode = best.verifyNode!, verifyW1 = best.verifyW1!, verify2T = best.verify2T!, verifyBase = best.verifyBase!, verifyNativeBase = best.verifyNativeBase, rawRead = best.raw!, rawRecords = best.rawRecords!, readOnly = best.readOnly!;

// contentHash cost: SHA-256 of each 4 KiB write (what the FUSE write handler adds when the option is on)
const block = Buffer.alloc(4096, 7);
const HN = 100_000;
const tH = performance.now();
for (let i = 0; i < HN; i++) createHash('sha256').update(block).digest();
const contentHashUs = ((performance.now() - tH) * 1000) / HN;

// Kafka: the same kind of events produced to a fresh topic in single-object encoding, then read back as a range and replayed
let kafka: { wall: number; cpu: number; seconds: number } | null = null;
let kafkaNote = '';
let own: Awaited<ReturnType<typeof startKafkaBroker>> | null = null;
try {
  if (process.env.REPLAY_BENCH_KAFKA === '0') throw new Error('skipped (REPLAY_BENCH_KAFKA=0)');
  const brokers = process.env.KAFKA_BROKERS ? process.env.KAFKA_BROKERS.split(',') : [(own = await startKafkaBroker()).brokers];
  const topic = `vexfs.bench.replay.${Date.now().toString(36)}`;
  const k = new Kafka({ clientId: 'vexfs-bench-replay', brokers, logLevel: logLevel.ERROR });
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = k.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let batch: { key: string; value: Buffer }[] = [];
  let produced = 0;
  produce: for await (const b of journalBytes(dirJ)) {
    for (const e of b) {
      batch.push({ key: `k${produced % 97}`, value: codec.toSingleObject(e.bytes) });
      if (++produced >= NK) break produce;
      if (batch.length === 2000) { await producer.send({ topic, messages: batch, compression: CompressionTypes.None }); batch = []; }
    }
  }
  if (batch.length) await producer.send({ topic, messages: batch });
  await producer.disconnect();
  let n = 0;
  kafka = await measure(NK, async () => {
    const range = await readKafkaRangeEvents({ brokers, topics: [topic] });
    const r = await replay(range.batches(), [catalogTarget()]);
    n = r.events;
  });
  kafka = { ...kafka, wall: n / kafka.seconds, cpu: kafka.cpu * (n / NK) };
  kafkaNote = `Kafka: ${n} events on a 3-partition topic (single-object encoding), read as a range with kafkajs, merged by seq and replayed into the catalog`;
} catch (err) {
  kafkaNote = `Kafka part not run: ${(err as Error).message}`;
} finally {
  await own?.stop();
}

const commit = (() => { try { return execSync('git rev-parse --short HEAD', { cwd: new URL('..', import.meta.url) }).toString().trim(); } catch { return 'unknown'; } })();
const r0 = (x: number) => Math.round(x);
const result = {
  bench: 'replay',
  at: new Date().toISOString(),
  commit,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, loadavg1m: Number(loadavg()[0]!.toFixed(2)), loadavg1mAtStart: Number(load0.toFixed(2)) },
  conditions: `${total} fs events (${N} + checkpoints every 10,000; ops getattr, write, read, write, open, release, getattr, write, create, truncate in turn, so 5 in 10 change the catalog) in a real journal (lazy fsync, 64 MiB segments), ~${Math.round((await dirBytes(dirJ)) / total)} B per event; replay = read raw records + event head of every event + decode and apply the events the file catalog uses (mutating fs ops) + state hash, as vexfs replay does; replay_journal_all_decoded = the same decoding and applying every event; verify = read + seq/prevHash checks + SHA-256 of every event (hashing: ${hashing}${hashing === 'native' ? ', one call per batch into src/audit/native' : ''}) + Ed25519 check of every checkpoint (${verified} events verified), one thread; each figure the best of ${ROUNDS} interleaved runs. Wall-clock figures on a shared 2-core VM (load average ${load0.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end); *_per_cpu_s divide by this process's CPU time (all its threads) instead. ${kafkaNote}.`,
  metrics: {
    replay_journal_events_per_s: { value: r0(replayFast.wall), unit: 'events/s', target: 500_000, better: 'higher' },
    replay_journal_events_per_cpu_s: { value: r0(replayFast.cpu), unit: 'events/CPU-s', better: 'higher' },
    replay_journal_all_decoded_events_per_s: { value: r0(replayAll.wall), unit: 'events/s', better: 'higher', note: 'the same replay with a target that takes every event (all decoded and applied)' },
    replay_journal_all_decoded_events_per_cpu_s: { value: r0(replayAll.cpu), unit: 'events/CPU-s', better: 'higher' },
    replay_journal_decoded_reader_events_per_s: { value: r0(replayDecoded.wall), unit: 'events/s', better: 'higher', note: 'baseline: the earlier path, the journal reader decoding every event, then the catalog' },
    replay_journal_decoded_reader_events_per_cpu_s: { value: r0(replayDecoded.cpu), unit: 'events/CPU-s', better: 'higher' },
    replay_ratio_to_decoded_reader: { value: Number((replayFast.wall / replayDecoded.wall).toFixed(2)), unit: 'x', better: 'higher', note: 'replay_journal_events_per_s / replay_journal_decoded_reader_events_per_s, same run' },
    replay_journal_raw_reader_events_per_s: { value: r0(replayBase.wall), unit: 'events/s', better: 'higher', note: 'the same replay through journalEventsRaw (raw container reader, every event decoded)' },
    replay_journal_read_only_events_per_s: { value: r0(readOnly.wall), unit: 'events/s', better: 'higher', note: 'baseline: the journal reader alone (read + decode, nothing applied)' },
    replay_ratio_to_read_only: { value: Number((replayFast.wall / readOnly.wall).toFixed(2)), unit: 'x', better: 'higher' },
    verify_events_per_s: { value: r0(verifyRun.wall), unit: 'events/s', target: 1_000_000, better: 'higher', note: `hashing: ${hashing}` },
    verify_events_per_cpu_s: { value: r0(verifyRun.cpu), unit: 'events/CPU-s', better: 'higher' },
    verify_node_crypto_events_per_s: { value: r0(verifyNode.wall), unit: 'events/s', better: 'higher', note: "the same verify with hashing: 'node' (node:crypto one-shot hash per event)" },
    verify_node_crypto_events_per_cpu_s: { value: r0(verifyNode.cpu), unit: 'events/CPU-s', better: 'higher' },
    verify_ratio_to_node_crypto_verify: { value: Number((verifyRun.wall / verifyNode.wall).toFixed(2)), unit: 'x', better: 'higher', note: 'same run' },
    verify_two_threads_events_per_s: { value: r0(verify2T.wall), unit: 'events/s', better: 'higher', note: 'verifyJournal threads: 2 (segments split between the main thread and a worker, seam joined; the worker starts tsx and compiles the verifier); vexfs audit verify uses it from 512 MiB of journal on' },
    verify_two_threads_events_per_cpu_s: { value: r0(verify2T.cpu), unit: 'events/CPU-s', better: 'higher' },
    verify_one_hash_worker_events_per_s: { value: r0(verifyW1.wall), unit: 'events/s', better: 'higher', note: 'workers: 1 (node:crypto hashing in a worker thread beside the main loop)' },
    verify_one_hash_worker_events_per_cpu_s: { value: r0(verifyW1.cpu), unit: 'events/CPU-s', better: 'higher' },
    verify_baseline_node_crypto_hash_only_per_s: { value: r0(verifyBase.wall), unit: 'events/s', better: 'higher', note: 'read + node:crypto SHA-256 per event, no checks' },
    verify_ratio_to_node_crypto_baseline: { value: Number((verifyRun.wall / verifyBase.wall).toFixed(2)), unit: 'x', better: 'higher' },
    ...(verifyNativeBase ? {
      verify_baseline_native_hash_only_per_s: { value: r0(verifyNativeBase.wall), unit: 'events/s', better: 'higher', note: 'read records + the native batch hash check, no other checks' },
      verify_ratio_to_native_hash_baseline: { value: Number((verifyRun.wall / verifyNativeBase.wall).toFixed(2)), unit: 'x', better: 'higher' },
    } : {}),
    journal_raw_read_events_per_s: { value: r0(rawRead.wall), unit: 'events/s', better: 'higher' },
    journal_raw_records_read_events_per_s: { value: r0(rawRecords.wall), unit: 'events/s', better: 'higher', note: 'segment files → RecordBatches (chunk + offsets)' },
    replay_kafka_events_per_s: kafka ? { value: r0(kafka.wall), unit: 'events/s', better: 'higher' } : { value: null, unit: 'events/s', better: 'higher', note: kafkaNote },
    content_hash_us_per_4k_write: { value: Number(contentHashUs.toFixed(2)), unit: 'µs', better: 'lower', note: 'SHA-256 of one 4 KiB FUSE write request (cost of fuse.contentHash=true)' },
  },
};
async function dirBytes(d: string): Promise<number> { let s = 0; for await (const b of journalBytes(d)) for (const e of b) s += e.bytes.length; return s; }
const out = JSON.stringify(result, null, 2);
console.log(out);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/replay.json', import.meta.url), out + '\n');
rmSync(work, { recursive: true, force: true });
