/**
 * Stream-processor benchmark (BENCHMARKS.md format): whole pipeline in-process (analyse() +
 * bridge into a no-op sink, as runProcessor runs it), against a bare RxJS pass-through
 * baseline in the same run; resident-memory growth over many events; consumption from a real
 * Kafka broker; per-detector precision/recall on labelled synthetic traces.
 * Run: node --expose-gc --import tsx bench/processors.ts   (KAFKA_BROKERS=host:port to use a running broker)
 */
import { execSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import { Subject, from, lastValueFrom, map, toArray } from 'rxjs';
import { Kafka, logLevel } from 'kafkajs';
import { createEventCodec, ZERO_HASH } from '../src/events/codec.js';
import { createEmitter } from '../src/events/emitter.js';
import { fsPayload } from '../src/events/payloads.js';
import type { VexEvent } from '../src/events/types.js';
import { createMemoryLog } from '../src/log/memory-log.js';
import { Bridge } from '../src/processors/bridge.js';
import { Pipeline } from '../src/processors/pipeline.js';
import { SourceEntry } from '../src/processors/source-entry.js';
import { resolveProcessorOptions } from '../src/processors/options.js';
import { analyse } from '../src/processors/analyse.js';
import { runProcessor } from '../src/processors/run-processor.js';
import { startKafkaBroker } from '../src/infra/kafka-broker.js';
import type { Sink } from '../src/sinks/sink.js';
import { INJECTED_TYPES, generateTrace, score } from '../test/support/traces.js';

const nullSink: Sink = { name: 'null', async write() {}, async healthcheck() { return { ok: true }; }, async close() {} };
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** Event-time spacing: 10 µs = 100,000 events per second of event time (a busy node); the 10 s time windows fill after 1M events. */
const SPACING_US = Number(process.env.BENCH_EVENT_SPACING_US ?? 10);

/** A pool of distinct fs events; the bench cycles through it, advancing ts by SPACING_US per event. */
function eventPool(n: number): VexEvent[] {
  const ops = ['read', 'read', 'read', 'write', 'open', 'release', 'getattr', 'rename'];
  const out: VexEvent[] = [];
  for (let i = 0; i < n; i++) {
    const path = `/data/p${i % 64}/f${i % 5000}.bin`;
    out.push({ id: `00000000-0000-7000-8000-${i.toString(16).padStart(12, '0')}`, node: 'bench', seq: i + 1, ts: 0, kind: 'fs', op: ops[i % ops.length]!, priority: 'normal', key: path,
      prevHash: ZERO_HASH, hash: ZERO_HASH,
      payload: fsPayload({ path, path2: i % 8 === 7 ? `${path}.old` : null, size: 4096, result: 4096, errno: i % 97 === 0 ? 2 : 0, latencyUs: 20 + (i % 300), pid: 1000 + (i % 32) }) });
  }
  // The runner receives events decoded from the journal or Kafka: round-trip the pool through the
  // codec so its objects and strings have the shapes decoding gives (flat strings, one record shape).
  const codec = createEventCodec();
  const buf = Buffer.alloc(64 * 1024);
  return out.map((ev) => codec.decode(Buffer.from(buf.subarray(0, codec.encodeInto(ev, buf, 0))), 0).event);
}

/** Feeds up to `total` events (stopping after `budgetMs`) through the runner's Pipeline (analyse + bridge → null sink) in source batches of 1000; returns events/s and the count. */
async function runPipeline(total: number, pool: VexEvent[], budgetMs = Infinity, onProgress?: (done: number) => void): Promise<{ rate: number; events: number }> {
  const opts = resolveProcessorOptions({ laneCapacity: 100_000 });
  const bridge = new Bridge({ sink: nullSink, batchSize: opts.batchSize, maxBatch: opts.maxBatch, flushMs: opts.flushMs, laneCapacity: opts.laneCapacity });
  const pipe = new Pipeline(opts, bridge, 'bench', undefined, true);
  const batch: VexEvent[] = new Array(1000);
  const offsets = new Float64Array(1000);
  let ts = Date.UTC(2026, 0, 1) * 1000;
  const t0 = performance.now();
  let done = 0;
  for (; done < total && performance.now() - t0 < budgetMs; done += 1000) {
    for (let i = 0; i < 1000; i++) { const ev = pool[(done + i) % pool.length]!; ev.ts = ts; ts += SPACING_US; batch[i] = ev; offsets[i] = done + i; }
    const entry = new SourceEntry('journal', 'journal:bench', done, done + 999);
    await pipe.feed(entry, batch, offsets);
    entry.seal();
    if (onProgress && done % 100_000 === 0) onProgress(done);
  }
  pipe.complete();
  await bridge.drain();
  bridge.close();
  return { rate: done / ((performance.now() - t0) / 1000), events: done };
}

function baseline(total: number, pool: VexEvent[]): number {
  const s = new Subject<VexEvent>();
  let n = 0;
  s.pipe(map((e) => e.ts)).subscribe(() => { n++; });
  const t0 = performance.now();
  for (let i = 0; i < total; i++) s.next(pool[i % pool.length]!);
  s.complete();
  if (n !== total) throw new Error('baseline lost events');
  return total / ((performance.now() - t0) / 1000);
}

async function kafkaThroughput(n: number): Promise<{ perS: number; bareRate: number; brokers: string; own: boolean }> {
  let stop = async () => {};
  let brokers = process.env.KAFKA_BROKERS ?? '';
  if (!brokers) { const b = await startKafkaBroker(); brokers = b.brokers; stop = () => b.stop(); }
  try {
    const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.ERROR });
    const topic = `vexfs.fs.v1-bench-${Date.now().toString(36)}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const codec = createEventCodec();
    const log = createMemoryLog({ codec });
    const em = createEmitter({ node: 'bench', log, codec, validate: false });
    for (let i = 0; i < n; i++) em.emit({ kind: 'fs', op: i % 4 ? 'read' : 'write', key: `/d${i % 100}/f${i % 2000}`, payload: fsPayload({ path: `/d${i % 100}/f${i % 2000}`, pid: 100 + (i % 16), size: 4096, latencyUs: 30 + (i % 200) }) });
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < n; i += 5000) await producer.send({ topic, acks: -1, messages: log.events.slice(i, i + 5000).map((l) => ({ key: l.event.key, value: codec.toSingleObject(l.bytes) })) });
    await producer.disconnect();
    let first = 0;
    const sink: Sink = { ...nullSink, async write() { if (!first) first = performance.now(); } };
    const h = runProcessor({ source: { kind: 'kafka', brokers: brokers.split(','), groupId: `bench-${topic}`, topics: [topic], deadLetterTopic: `${topic}.dlq` }, sink, forwardEvents: true });
    const deadline = Date.now() + 90_000;
    while (h.stats().processed < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const end = performance.now();
    const processed = h.stats().processed;
    await h.stop();
    // Same-run ceiling: a bare kafkajs consumer reading the same topic (eachBatch, counting only:
    // no decode, no pipeline, no commits), timed from its first batch to the n-th message.
    const bare = kafka.consumer({ groupId: `bench-bare-${topic}`, maxWaitTimeInMs: 500 });
    await bare.connect();
    await bare.subscribe({ topic, fromBeginning: true });
    let seen = 0, bareFirst = 0, bareEnd = 0;
    await bare.run({ eachBatch: async ({ batch }) => { if (!bareFirst) bareFirst = performance.now(); seen += batch.messages.length; if (seen >= n && !bareEnd) bareEnd = performance.now(); } });
    const bareDeadline = Date.now() + 90_000;
    while (!bareEnd && Date.now() < bareDeadline) await new Promise((r) => setTimeout(r, 5));
    await bare.disconnect();
    const bareRate = bareEnd ? seen / ((bareEnd - bareFirst) / 1000) : 0;
    return { perS: processed / ((end - first) / 1000), bareRate, brokers, own: !process.env.KAFKA_BROKERS };
  } finally { await stop(); }
}

const metrics: Record<string, { value: number; unit: string; target?: number; better: 'higher' | 'lower' }> = {};
const pool = eventPool(100_000);
const N = Number(process.env.BENCH_EVENTS ?? 2_000_000);

const budget = Number(process.env.BENCH_SECONDS ?? 20) * 1000;
await runPipeline(100_000, pool, 5000); // warm-up (JIT)
const base = baseline(N, pool);
const { rate, events: inprocessEvents } = await runPipeline(N, pool, budget);
metrics.inprocess_events_per_s = { value: Math.round(rate), unit: 'events/s', target: 2_000_000, better: 'higher' };
metrics.rxjs_passthrough_events_per_s = { value: Math.round(base), unit: 'events/s', better: 'higher' };
metrics.inprocess_ratio_to_passthrough = { value: Number((rate / base).toFixed(3)), unit: 'ratio', better: 'higher' };
console.error(`in-process: ${Math.round(rate)} ev/s (pass-through baseline ${Math.round(base)} ev/s)`);

// Resident memory: 10M events or as many as fit in the time budget; RSS after the first 10 % of
// the budget (warm: windows, groups and pools filled) vs at the end, after gc, scaled to 10M events.
const rssN = Number(process.env.BENCH_RSS_EVENTS ?? 10_000_000);
const rssBudget = Number(process.env.BENCH_RSS_SECONDS ?? 60) * 1000;
gc();
let rssStart = 0, rssFrom = 0;
const rssT0 = performance.now();
// Warm = the first 10 % of the budget AND two full time windows of event time (every window and pane allocated).
const warmEvents = Math.ceil((2 * resolveProcessorOptions({}).windowMs * 1000) / SPACING_US);
const { events: rssEvents } = await runPipeline(rssN, pool, rssBudget, (done) => {
  if (rssStart === 0 && done >= warmEvents && performance.now() - rssT0 > rssBudget / 10) { gc(); rssStart = process.memoryUsage().rss; rssFrom = done; }
});
gc();
const rssEnd = process.memoryUsage().rss;
const measured = rssEvents - rssFrom;
if (rssStart > 0 && measured > 0) {
  metrics.rss_growth_mb_per_10m_events = { value: Number((((rssEnd - rssStart) / 1048576) * (10_000_000 / measured)).toFixed(1)), unit: 'MB', better: 'lower' };
  metrics.rss_warm_mb = { value: Math.round(rssStart / 1048576), unit: 'MB', better: 'lower' };
} else console.error(`rss: never warm within the budget (${rssEvents} events < ${warmEvents}): no growth figure`);
metrics.rss_end_mb = { value: Math.round(rssEnd / 1048576), unit: 'MB', better: 'lower' };
console.error(`rss: ${rssEvents} events in ${((performance.now() - rssT0) / 1000).toFixed(0)} s, ${(rssStart / 1048576).toFixed(0)} → ${(rssEnd / 1048576).toFixed(0)} MB`);

// Detector quality on labelled traces (the test suite's matching rule; seeds differ from the tests').
const popts = resolveProcessorOptions({});
const acc: Record<string, { tp: number; fp: number; detected: number; injected: number }> = {};
for (const seed of [21, 22]) {
  const trace = generateTrace({ seed, rate: 150 });
  const out = await lastValueFrom(from(trace.events).pipe(analyse(popts, 'bench', undefined, { countWindows: false, timeWindows: false, patterns: false }), toArray()));
  const an = out.map((e) => ({ anomalyType: e.payload.anomalyType!, windowStart: e.payload.windowStart, windowEnd: e.payload.windowEnd }));
  for (const type of [...INJECTED_TYPES, 'outlier']) {
    const s = score(an, trace.injections, type);
    const a = (acc[type] ??= { tp: 0, fp: 0, detected: 0, injected: 0 });
    a.tp += s.tp; a.fp += s.fp; a.detected += s.detected; a.injected += s.injected;
  }
}
for (const [type, a] of Object.entries(acc)) {
  const name = type === 'outlier' ? 'isolation_forest' : type;
  metrics[`precision_${name}`] = { value: Number((a.tp / Math.max(1, a.tp + a.fp)).toFixed(3)), unit: 'ratio', target: type === 'outlier' ? undefined : 0.9, better: 'higher' };
  metrics[`recall_${name}`] = { value: Number((a.detected / a.injected).toFixed(3)), unit: 'ratio', target: type === 'outlier' ? undefined : 0.9, better: 'higher' };
}

const kafkaN = Number(process.env.BENCH_KAFKA_EVENTS ?? 200_000);
const k = await kafkaThroughput(kafkaN);
metrics.kafka_events_per_s = { value: Math.round(k.perS), unit: 'events/s', target: 200_000, better: 'higher' };
if (k.bareRate > 0) {
  metrics.kafkajs_consume_only_events_per_s = { value: Math.round(k.bareRate), unit: 'events/s', better: 'higher' };
  metrics.kafka_ratio_to_kafkajs_consume_only = { value: Number((k.perS / k.bareRate).toFixed(3)), unit: 'ratio', better: 'higher' };
}

let commit = 'unknown';
try { commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim(); } catch { /* not a repo */ }
const result = {
  bench: 'processors',
  at: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  commit,
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadavg1: Number(os.loadavg()[0]!.toFixed(1)) },
  conditions: `machine load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores during the run (shared with other work). in-process: ${inprocessEvents} fs events (at most ${N}, ${budget / 1000} s budget) (pool of 100k distinct events over 80,000 paths, 64 prefixes, 32 processes, 8 ops; ${SPACING_US} µs apart in event time) through analyse() (count + time windows on 4 dimensions, 5 threshold detectors, isolation forest, pattern discovery) and the bridge into a no-op sink, fed in source batches of 1000 as runProcessor does; baseline: Subject→map pass-through. rss: ${rssEvents} events (10M did not fit the ${rssBudget / 1000} s budget unless equal), RSS once warm (10 % of the budget and two 10 s windows of event time: ${rssFrom} events) vs the end, after gc, scaled to 10M. kafka: ${kafkaN} pre-produced single-object Avro fs events on 3 partitions of ${k.own ? 'a broker started by the bench' : 'the running broker'}, one runProcessor member, decode + pipeline + null sink + offset commits, first to last ack; baseline: a bare kafkajs consumer (eachBatch, counting only) on the same topic, first batch to the last message. detectors: traces seeds 21 and 22 (150 ev/s, 3 injections per type), default options.`,
  metrics,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/processors.json', JSON.stringify(result, null, 2) + '\n');
process.exit(0);
