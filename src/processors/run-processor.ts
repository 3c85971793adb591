import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { dirname, join } from 'node:path';
import type { SchedulerLike } from 'rxjs';
import { ErrorCodes, VexfsError } from '../errors.js';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import type { EventLog } from '../log/event-log.js';
import type { Sink } from '../sinks/sink.js';
import { Bridge } from './bridge.js';
import { deadLetterTopic, type DeadLetterPort } from './dead-letter.js';
import { createFileDeadLetters } from './dead-letter-file.js';
import { createKafkaDeadLetters } from './dead-letter-kafka.js';
import { runJournalSource } from './journal-source.js';
import { startKafkaSource } from './kafka-source.js';
import { resolveProcessorOptions, type ProcessorOptions } from './options.js';
import { Pipeline } from './pipeline.js';

/** Embedded mode: the local journal through its EventLog, position in a checkpoint file. */
export interface JournalSourceOptions {
  kind: 'journal';
  log: EventLog;
  /** File holding the last acknowledged seq (written atomically). */
  checkpointPath: string;
  /** Keep following the journal after its end; default true (false: stop at the end). */
  follow?: boolean;
  /** Events per read; default 1000. */
  batchSize?: number;
  /** Least interval between checkpoint writes in ms; default 200 (and always at stop). */
  checkpointMs?: number;
}

/** Broker mode: a Kafka consumer group; positions are the group's committed offsets. */
export interface KafkaSourceOptions {
  kind: 'kafka';
  /** Bootstrap brokers host:port (required, non-empty). */
  brokers: string[];
  /** Consumer group; default 'vexfs-processors'. */
  groupId?: string;
  /** Topic prefix; default 'vexfs'. */
  topicPrefix?: string;
  /** Topics read; default <prefix>.fs.v1, <prefix>.vector.v1, <prefix>.system.v1. */
  topics?: string[];
  /** Kafka client id; default 'vexfs-processor'. */
  clientId?: string;
  /** A new group starts at the earliest offset; default true. */
  fromBeginning?: boolean;
  /** Group session timeout in ms (how soon a dead member's partitions move); default 10,000. */
  sessionTimeoutMs?: number;
  /** Dead-letter topic; default <prefix>.deadletter.v1. */
  deadLetterTopic?: string;
}

/** Options of runProcessor (what `vexfs process` passes). */
export interface RunProcessorOptions {
  source: JournalSourceOptions | KafkaSourceOptions;
  /** Where batches go; `write` must resolve only after the store acknowledged. */
  sink: Sink;
  /** Dead-letter destination; default: the Kafka topic in broker mode, <checkpoint dir>/deadletter.jsonl in embedded mode. */
  deadLetters?: DeadLetterPort;
  /** Analysis and bridge options (see ProcessorOptions; validated, unknown keys refused). */
  processors?: Partial<ProcessorOptions>;
  /** Name stamped on result events (their `node`); default 'processor'. */
  node?: string;
  /** Also hand the source events themselves to the sink (normal/critical lanes); default true. */
  forwardEvents?: boolean;
  /** Run the analysis (windows, detectors, patterns); default true. false = a store writer only (`vexfs sink`). */
  analyse?: boolean;
  /** Aborting stops the processor like stop(). */
  signal?: AbortSignal;
  /** Scheduler of the time windows, idle ticks and bridge flushes; default asyncScheduler. */
  scheduler?: SchedulerLike;
  codec?: EventCodec;
}

/** Counters of a running processor. */
export interface ProcessorStats {
  /** Source events fed through the pipeline. */
  processed: number;
  /** Events acknowledged by the sink, per lane. */
  acked: { critical: number; normal: number; bulk: number };
  deadLetters: number;
  /** Journal: last committed seq. Kafka: next offset per "topic:partition" committed by this member. */
  committed: number | Record<string, number>;
}

/** A running processor. */
export interface ProcessorHandle {
  /** Resolves with the final stats after stop (or the end of a non-following journal); rejects on a fatal error. */
  readonly done: Promise<ProcessorStats>;
  /** The one shutdown path: stop reading → drain the pipeline → flush the bridge → commit → disconnect. */
  stop(): Promise<ProcessorStats>;
  stats(): ProcessorStats;
}

const TOP_KEYS = ['source', 'sink', 'deadLetters', 'processors', 'node', 'forwardEvents', 'analyse', 'signal', 'scheduler', 'codec'];
const JOURNAL_KEYS = ['kind', 'log', 'checkpointPath', 'follow', 'batchSize', 'checkpointMs'];
const KAFKA_KEYS = ['kind', 'brokers', 'groupId', 'topicPrefix', 'topics', 'clientId', 'fromBeginning', 'sessionTimeoutMs', 'deadLetterTopic'];

function bad(key: string, value: unknown, allowed: string): VexfsError {
  let shown: string;
  try { shown = JSON.stringify(value) ?? String(value); } catch { shown = String(value); }
  return new VexfsError(ErrorCodes.CONFIG_INVALID, `${key} = ${shown} is invalid: ${allowed}`, { context: { key, value: shown } });
}

function refuseUnknown(obj: object, allowed: string[], where: string): void {
  for (const k of Object.keys(obj)) if (!allowed.includes(k)) throw bad(`${where}${k}`, (obj as Record<string, unknown>)[k], `unknown key; allowed: ${allowed.join(', ')}`);
}

function validate(opts: RunProcessorOptions): Readonly<ProcessorOptions> {
  if (!opts || typeof opts !== 'object') throw bad('options', opts, 'expected an object');
  refuseUnknown(opts, TOP_KEYS, '');
  const s = opts.source as unknown as Record<string, unknown>;
  if (!s || typeof s !== 'object') throw bad('source', s, "expected { kind: 'journal' | 'kafka', ... }");
  if (s.kind === 'journal') {
    refuseUnknown(s, JOURNAL_KEYS, 'source.');
    if (!s.log || typeof (s.log as EventLog).read !== 'function') throw bad('source.log', typeof s.log, 'expected an EventLog');
    if (typeof s.checkpointPath !== 'string' || !s.checkpointPath) throw bad('source.checkpointPath', s.checkpointPath, 'expected a file path');
    if (s.batchSize !== undefined && (!Number.isInteger(s.batchSize) || (s.batchSize as number) < 1)) throw bad('source.batchSize', s.batchSize, 'expected an integer ≥ 1');
    if (s.checkpointMs !== undefined && (!Number.isInteger(s.checkpointMs) || (s.checkpointMs as number) < 0)) throw bad('source.checkpointMs', s.checkpointMs, 'expected an integer ≥ 0');
  } else if (s.kind === 'kafka') {
    refuseUnknown(s, KAFKA_KEYS, 'source.');
    if (!Array.isArray(s.brokers) || s.brokers.length === 0 || !s.brokers.every((b) => typeof b === 'string' && /^[^\s:]+:\d{1,5}$/.test(b))) throw bad('source.brokers', s.brokers, 'expected a non-empty list of host:port');
    if (s.topics !== undefined && (!Array.isArray(s.topics) || s.topics.length === 0)) throw bad('source.topics', s.topics, 'expected a non-empty list of topic names');
    if (s.sessionTimeoutMs !== undefined && (!Number.isInteger(s.sessionTimeoutMs) || (s.sessionTimeoutMs as number) < 1000)) throw bad('source.sessionTimeoutMs', s.sessionTimeoutMs, 'expected an integer ≥ 1000');
  } else throw bad('source.kind', s.kind, "expected 'journal' or 'kafka'");
  if (!opts.sink || typeof opts.sink.write !== 'function') throw bad('sink', typeof opts.sink, 'expected a Sink');
  return resolveProcessorOptions(opts.processors ?? {});
}

/**
 * Runs the stream processors: source (journal cursor or Kafka consumer group) → analyse() →
 * bridge lanes → sink, committing source positions only after the sink acknowledged. Config is
 * validated before anything starts (throws VEXFS_CONFIG_INVALID naming the key).
 */
export function runProcessor(opts: RunProcessorOptions): ProcessorHandle {
  const popts = validate(opts);
  const codec = opts.codec ?? createEventCodec();
  const abort = new AbortController();
  opts.signal?.addEventListener('abort', () => abort.abort(), { once: true });
  let fatal: (err: unknown) => void = () => {};
  const fatalP = new Promise<never>((_, reject) => { fatal = reject; });
  fatalP.catch(() => {});
  const bridge = new Bridge({ sink: opts.sink, batchSize: popts.batchSize, maxBatch: popts.maxBatch, flushMs: popts.flushMs, laneCapacity: popts.laneCapacity, scheduler: opts.scheduler, onFatal: (e) => fatal(e) });
  const pipeline = new Pipeline(popts, bridge, opts.node ?? 'processor', opts.scheduler, opts.forwardEvents ?? true, opts.analyse ?? true);
  const src = opts.source;
  let kafka: Kafka | null = null;
  if (src.kind === 'kafka') kafka = new Kafka({ clientId: src.clientId ?? 'vexfs-processor', brokers: src.brokers, logLevel: logLevel.ERROR });
  const deadLetters = opts.deadLetters ?? (src.kind === 'kafka'
    ? createKafkaDeadLetters({ kafka: kafka!, topic: src.deadLetterTopic ?? deadLetterTopic(src.topicPrefix ?? 'vexfs') })
    : createFileDeadLetters({ path: join(dirname(src.checkpointPath), 'deadletter.jsonl') }));
  const stats: ProcessorStats = { processed: 0, acked: bridge.acked, deadLetters: 0, committed: src.kind === 'journal' ? 0 : {} };
  const counting: DeadLetterPort = { name: deadLetters.name, send: async (l) => { await deadLetters.send(l); stats.deadLetters++; }, close: () => deadLetters.close() };
  const feed = pipeline.feed.bind(pipeline);
  pipeline.feed = async (entry, events, offsets) => { await feed(entry, events, offsets); stats.processed += events.length; };

  let consumer = null as Consumer | null;
  let stopping: Promise<ProcessorStats> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => { resolveStopped = r; });
  const run = async (): Promise<void> => {
    if (src.kind === 'journal') {
      await runJournalSource({
        log: src.log, checkpointPath: src.checkpointPath, follow: src.follow ?? true, batchSize: src.batchSize ?? 1000, checkpointMs: src.checkpointMs ?? 200,
        pipeline, deadLetters: counting, signal: abort.signal, onCommit: (seq) => { stats.committed = seq; },
      });
    } else {
      const prefix = src.topicPrefix ?? 'vexfs';
      consumer = await startKafkaSource({
        kafka: kafka!, groupId: src.groupId ?? 'vexfs-processors', topics: src.topics ?? [`${prefix}.fs.v1`, `${prefix}.vector.v1`, `${prefix}.system.v1`],
        fromBeginning: src.fromBeginning ?? true, sessionTimeoutMs: src.sessionTimeoutMs ?? 10_000, codec, pipeline, deadLetters: counting,
        onCommit: (t, p, off) => { (stats.committed as Record<string, number>)[`${t}:${p}`] = off; }, onError: (e) => fatal(e),
      });
      if (abort.signal.aborted) return;
      await new Promise<void>((r) => abort.signal.addEventListener('abort', () => r(), { once: true }));
      await consumer.stop();
    }
  };
  const shutdown = async (): Promise<void> => {
    pipeline.complete();
    await bridge.drain();
    bridge.close();
    await consumer?.disconnect().catch(() => {});
    await counting.close().catch(() => {});
  };
  const done = (async () => {
    try {
      await Promise.race([run(), fatalP]);
      await Promise.race([shutdown(), fatalP]);
      return stats;
    } catch (err) {
      pipeline.dispose();
      abort.abort();
      bridge.close();
      await consumer?.disconnect().catch(() => {});
      await counting.close().catch(() => {});
      throw err;
    } finally { resolveStopped(); }
  })();
  done.catch(() => {});
  return {
    done,
    stats: () => stats,
    stop() {
      stopping ??= (async () => { abort.abort(); await stopped; return done; })();
      return stopping;
    },
  };
}
