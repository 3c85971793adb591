/**
 * Event backbone benchmark: Avro encode, emitter, journal appends (lazy and strict), shipping to
 * a real Kafka broker started here. Prints BENCHMARKS.md JSON and writes bench/results/events.json.
 *   npx tsx bench/events.ts            (set KAFKA_BROKERS to use a running broker instead)
 */
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { createEventCodec } from '../src/events/codec.js';
import { createEmitter } from '../src/events/emitter.js';
import { fsPayload } from '../src/events/payloads.js';
import { PAYLOAD_FILES } from '../src/events/schema.js';
import type { VexEvent } from '../src/events/types.js';
import { startKafkaBroker } from '../src/infra/kafka-broker.js';
import type { EventLog, LoggedEvent } from '../src/log/event-log.js';
import { createShipper, openJournal } from '../src/log/index.js';
import { ensureTopics } from '../src/log/kafka/index.js';
import { randomBytes } from 'node:crypto';

const codec = createEventCodec();
const quiet = { info() {}, warn() {} };
const metrics: Record<string, { value: number; unit: string; target?: number; better: 'higher' | 'lower' }> = {};
const notes: string[] = [];
const say = (m: string) => process.stderr.write(m + '\n');

/** Runs `fn(n)` in growing rounds until `seconds` pass; returns operations per second of the timed part. */
function rate(seconds: number, fn: (n: number) => void): number {
  fn(1000); // warm-up and JIT
  let n = 1000;
  let done = 0;
  const t0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    fn(n);
    done += n;
    elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    if (elapsed < seconds / 10) n *= 2;
  }
  return Math.round(done / elapsed);
}

function typicalEvent(seq: number): VexEvent<'fs'> {
  return {
    id: '0193b1c2-7d3e-7a4b-8c5d-6e7f8091a2b3', node: 'bench-node', seq, ts: 1_764_000_000_000_000 + seq, kind: 'fs', op: 'write',
    priority: 'normal', key: '/data/projects/vexfs/file-0042.txt', prevHash: Buffer.alloc(32, 7),
    payload: fsPayload({ path: '/data/projects/vexfs/file-0042.txt', ino: 123456, fd: 7, offset: 4096 * seq, size: 4096, result: 4096, latencyUs: 18, mode: 0o100644, uid: 1000, gid: 1000, pid: 4242 }),
    hash: Buffer.alloc(32),
  };
}

// ---- encode -------------------------------------------------------------------------------
{
  const ev = typicalEvent(1);
  const buf = Buffer.allocUnsafe(64 * 1024);
  // Avro encode only: the codec's own layout (head record + union index + payload), no hash
  const evJson = codec.schemas.json.Event;
  const head = avro.Type.forSchema({ type: 'record', name: 'H', namespace: 'io.vexfs.events.internal', fields: evJson.fields.slice(0, evJson.fields.findIndex((f: any) => f.name === 'payload')) });
  const payloadT = avro.Type.forSchema(codec.schemas.json[PAYLOAD_FILES[0]]);
  let sink = 0;
  const encodeOnly = rate(1, (n) => { for (let i = 0; i < n; i++) { let p = head.encode(ev, buf, 0); buf[p++] = 0; p = payloadT.encode(ev.payload, buf, p); sink += p; } });
  const encodeHashed = rate(1, (n) => { for (let i = 0; i < n; i++) sink += codec.encodeInto(ev, buf, 0); });
  const wrapped = { ...ev, payload: { 'io.vexfs.events.FsPayload': ev.payload } };
  const baseline = rate(1, (n) => { for (let i = 0; i < n; i++) sink += codec.schemas.event.toBuffer(wrapped).length; });
  const nullLog: EventLog = { name: 'null', strict: false, tail: () => ({ seq: 0, hash: Buffer.alloc(32) }), append() {}, flush: async () => {}, read: async function* () {}, close: async () => {} };
  const em = createEmitter({ node: 'bench-node', log: nullLog, codec });
  const draft = { kind: 'fs' as const, op: 'write', key: ev.key, payload: ev.payload };
  const emitRate = rate(1, (n) => { for (let i = 0; i < n; i++) em.emit(draft); });
  const emNoVal = createEmitter({ node: 'bench-node', log: nullLog, codec, validate: false });
  const emitNoValidate = rate(1, (n) => { for (let i = 0; i < n; i++) emNoVal.emit(draft); });
  if (sink === -1) say('');
  const size = codec.encodeInto(ev, buf, 0);
  metrics.encode_per_s = { value: encodeOnly, unit: 'events/s', target: 1_000_000, better: 'higher' };
  metrics.encode_hashed_per_s = { value: encodeHashed, unit: 'events/s', better: 'higher' };
  metrics.encode_baseline_avsc_tobuffer_per_s = { value: baseline, unit: 'events/s', better: 'higher' };
  metrics.encode_ratio_to_baseline = { value: Number((encodeOnly / baseline).toFixed(2)), unit: 'x', better: 'higher' };
  metrics.emit_per_s = { value: emitRate, unit: 'events/s', better: 'higher' };
  metrics.emit_no_validate_per_s = { value: emitNoValidate, unit: 'events/s', better: 'higher' };
  notes.push(`typical fs write event = ${size} bytes encoded`);
  say(`encode ${encodeOnly}/s, encode+sha256 ${encodeHashed}/s, avsc toBuffer ${baseline}/s, emit ${emitRate}/s (no validate ${emitNoValidate}/s)`);
}

// ---- journal ------------------------------------------------------------------------------
/** Pre-encodes `n` chained events (the journal refuses seq gaps) so the timed loop is appends only. */
function preEncode(n: number): LoggedEvent[] {
  const out: LoggedEvent[] = [];
  const log: EventLog = { name: 'collect', strict: false, tail: () => ({ seq: 0, hash: Buffer.alloc(32) }), append(event, bytes) { out.push({ event: { ...event }, bytes: Buffer.from(bytes) }); }, flush: async () => {}, read: async function* () {}, close: async () => {} };
  const em = createEmitter({ node: 'bench-node', log, codec });
  for (let i = 0; i < n; i++) em.emit({ kind: 'fs', op: 'write', key: `/data/f${i % 100}`, payload: fsPayload({ path: `/data/f${i % 100}`, size: 4096, offset: i * 4096, result: 4096, latencyUs: 15 }) });
  return out;
}

const N_APPEND = 300_000;
const events = preEncode(N_APPEND);
{
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-bench-journal-'));
  const j = await openJournal({ dir, fsync: 'lazy', log: quiet }, codec);
  const t0 = process.hrtime.bigint();
  for (const e of events) j.append(e.event, e.bytes);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await j.flush();
  const segs = j.segments().length;
  await j.close();
  rmSync(dir, { recursive: true, force: true });
  // the same writes through a bare writeSync loop: the syscall floor of "one write(2) per append"
  const fsMod = await import('node:fs');
  const dir2 = mkdtempSync(join(tmpdir(), 'vexfs-bench-raw-'));
  const fd = fsMod.openSync(join(dir2, 'raw'), 'a');
  const t1 = process.hrtime.bigint();
  for (const e of events) fsMod.writeSync(fd, e.bytes);
  const rawSecs = Number(process.hrtime.bigint() - t1) / 1e9;
  fsMod.closeSync(fd);
  rmSync(dir2, { recursive: true, force: true });
  metrics.journal_append_lazy_per_s = { value: Math.round(N_APPEND / secs), unit: 'appends/s', target: 300_000, better: 'higher' };
  metrics.raw_writesync_per_s = { value: Math.round(N_APPEND / rawSecs), unit: 'writes/s', better: 'higher' };
  metrics.journal_append_ratio_to_raw_write = { value: Number((rawSecs / secs).toFixed(2)), unit: 'x', better: 'higher' };
  notes.push(`lazy: ${N_APPEND} pre-encoded events appended (${segs} segment(s) of 64 MiB), fsync every 10 ms in the background`);
  say(`journal lazy ${metrics.journal_append_lazy_per_s.value}/s, bare writeSync ${metrics.raw_writesync_per_s.value}/s`);
}
{
  // grouped writes (deferred appends, as the FUSE mount makes them): 8 per event-loop turn, each group's write awaited
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-bench-grouped-'));
  const j = await openJournal({ dir, fsync: 'lazy', log: quiet }, codec);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N_APPEND; i += 8) {
    for (let k = i; k < i + 8 && k < N_APPEND; k++) j.append(events[k]!.event, events[k]!.bytes, true);
    await j.written!();
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  await j.close();
  rmSync(dir, { recursive: true, force: true });
  metrics.journal_append_grouped8_per_s = { value: Math.round(N_APPEND / secs), unit: 'appends/s', better: 'higher' };
  notes.push(`grouped: the same ${N_APPEND} events appended deferred, 8 per event-loop turn, each group's single write(2) awaited`);
  say(`journal grouped (8 per turn) ${metrics.journal_append_grouped8_per_s.value}/s`);
}
{
  // emitter + journal: the whole hot path of one event
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-bench-journal-'));
  const j = await openJournal({ dir, fsync: 'lazy', log: quiet }, codec);
  const em = createEmitter({ node: 'bench-node', log: j, codec });
  const draft = { kind: 'fs' as const, op: 'write', key: '/data/x', payload: fsPayload({ path: '/data/x', size: 4096 }) };
  metrics.emit_to_journal_per_s = { value: rate(1, (n) => { for (let i = 0; i < n; i++) em.emit(draft); }), unit: 'events/s', better: 'higher' };
  await j.close();
  rmSync(dir, { recursive: true, force: true });
  say(`emit → journal ${metrics.emit_to_journal_per_s.value}/s`);
}
const STRICT_APPENDERS = 64;
{
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-bench-strict-'));
  const j = await openJournal({ dir, fsync: 'strict', log: quiet }, codec);
  let next = 0;
  const deadline = Date.now() + 2000;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: STRICT_APPENDERS }, async () => {
    while (Date.now() < deadline && next < events.length) {
      const e = events[next++]!;
      j.append(e.event, e.bytes);
      await j.flush();
    }
  }));
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const done = next;
  await j.close();
  // one appender alone: every append pays a whole fdatasync
  const dir1 = mkdtempSync(join(tmpdir(), 'vexfs-bench-strict1-'));
  const j1 = await openJournal({ dir: dir1, fsync: 'strict', log: quiet }, codec);
  let k = 0;
  const t1 = process.hrtime.bigint();
  const end1 = Date.now() + 1000;
  while (Date.now() < end1) { const e = events[k++]!; j1.append(e.event, e.bytes); await j1.flush(); }
  const secs1 = Number(process.hrtime.bigint() - t1) / 1e9;
  await j1.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dir1, { recursive: true, force: true });
  metrics.journal_append_strict_per_s = { value: Math.round(done / secs), unit: 'appends/s', better: 'higher' };
  metrics.journal_append_strict_single_per_s = { value: Math.round(k / secs1), unit: 'appends/s', better: 'higher' };
  notes.push(`strict: ${STRICT_APPENDERS} concurrent appenders each awaiting flush() (group fsync) for 2 s; single appender for 1 s`);
  say(`journal strict ${metrics.journal_append_strict_per_s.value}/s with ${STRICT_APPENDERS} appenders, ${metrics.journal_append_strict_single_per_s.value}/s alone`);
}

// ---- Kafka --------------------------------------------------------------------------------
{
  const own = process.env.KAFKA_BROKERS ? null : await startKafkaBroker();
  const brokers = process.env.KAFKA_BROKERS ? process.env.KAFKA_BROKERS.split(',') : [own!.brokers];
  try {
    const N = 100_000;
    const prefix = `bench-${randomBytes(3).toString('hex')}`;
    // baseline: kafkajs alone sending pre-built messages, 1000 per send, same producer settings
    const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
    await ensureTopics(kafka, [`${prefix}-raw`], 3, -1, brokers);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const msgs: Message[] = events.slice(0, N).map((e) => ({ key: e.event.key, value: codec.toSingleObject(e.bytes), headers: { id: e.event.id, node: e.event.node, seq: String(e.event.seq) } }));
    const tb = process.hrtime.bigint();
    for (let i = 0; i < N; i += 1000) await producer.sendBatch({ topicMessages: [{ topic: `${prefix}-raw`, messages: msgs.slice(i, i + 1000) }], acks: -1 });
    const baseSecs = Number(process.hrtime.bigint() - tb) / 1e9;
    await producer.disconnect();

    for (const batchSize of [1000, 5000]) {
      
      const dir = mkdtempSync(join(tmpdir(), 'vexfs-bench-ship-'));
      const j = await openJournal({ dir, log: quiet }, codec);
      for (const e of events.slice(0, N)) j.append(e.event, e.bytes);
      await j.flush();
      const shipper = createShipper({ journal: j, brokers, topicPrefix: `${prefix}-${batchSize}`, batchSize, log: quiet }, codec);
      const t0 = process.hrtime.bigint();
      // steady state starts at the first acknowledged batch (connect and topic creation excluded)
      let first: { t: bigint; seq: number } | null = null;
      const probe = setInterval(() => { if (!first && shipper.ackedSeq > 0) first = { t: process.hrtime.bigint(), seq: shipper.ackedSeq }; }, 2);
      await shipper.drain(120_000);
      clearInterval(probe);
      const tEnd = process.hrtime.bigint();
      const secs = Number(tEnd - t0) / 1e9;
      const f = first as { t: bigint; seq: number } | null;
      const steady = f ? (N - f.seq) / (Number(tEnd - f.t) / 1e9) : N / secs;
      await shipper.stop();
      await j.close();
      rmSync(dir, { recursive: true, force: true });
      const key = batchSize === 1000 ? 'kafka_shipped_per_s' : `kafka_shipped_batch${batchSize}_per_s`;
      metrics[key] = { value: Math.round(steady), unit: 'events/s', ...(batchSize === 1000 ? { target: 100_000 } : {}), better: 'higher' };
      if (batchSize === 1000) metrics.kafka_shipped_incl_connect_per_s = { value: Math.round(N / secs), unit: 'events/s', better: 'higher' };
      say(`shipped ${metrics[key]!.value}/s steady (batch ${batchSize}), ${Math.round(N / secs)}/s incl. connect + topic creation`);
    }
    metrics.kafkajs_baseline_per_s = { value: Math.round(N / baseSecs), unit: 'events/s', better: 'higher' };
    metrics.shipped_ratio_to_kafkajs = { value: Number((metrics.kafka_shipped_per_s!.value / metrics.kafkajs_baseline_per_s.value).toFixed(2)), unit: 'x', better: 'higher' };
    notes.push(`kafka: ${N} journal events shipped to ${own ? 'a broker started by the bench' : 'KAFKA_BROKERS'} (Kafka 3.9.1 KRaft, 1 node, 3 partitions, idempotent, acks=all), kafka_shipped_per_s timed from the first acknowledged batch to the recorded position of the last (kafka_shipped_incl_connect_per_s: from shipper start, connect + topic creation included); baseline = kafkajs sendBatch of the same pre-built messages, 1000 per send`);
    say(`kafkajs alone ${metrics.kafkajs_baseline_per_s.value}/s`);
  } finally {
    await own?.stop();
    if (own) rmSync(own.dir, { recursive: true, force: true });
  }
}

const commit = (() => { try { return execSync('git rev-parse --short HEAD', { cwd: new URL('..', import.meta.url) }).toString().trim(); } catch { return 'unknown'; } })();
const result = {
  bench: 'events',
  at: new Date().toISOString(),
  commit,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, loadavg1m: Number(loadavg()[0]!.toFixed(2)) },
  conditions: notes.join('; '),
  metrics,
};
const out = JSON.stringify(result, null, 2);
console.log(out);
writeFileSync(new URL('./results/events.json', import.meta.url), out + '\n');
