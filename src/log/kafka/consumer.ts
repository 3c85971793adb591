import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { createEventCodec, type EventCodec } from '../../events/codec.js';
import type { VexEvent } from '../../events/types.js';
import { configError, intOption, refuseUnknown } from '../journal/options.js';
import { decodeAny, registryHasOurSchema } from './framing.js';
import { kafkaClient } from './producer.js';
import { resolveKafkaOptions } from './options.js';

/** One decoded Kafka record. */
export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  event: VexEvent;
  /** The Avro binary body (framing header removed). */
  bytes: Buffer;
}

/** Options of readKafkaTopic. */
export interface TopicReadOptions {
  brokers: string[];
  /** One topic or several (e.g. every vexfs.<kind>.v1). */
  topics: string[];
  clientId?: string;
  codec?: EventCodec;
  /** Keep reading new records after the end offsets seen at start (default false: stop there). */
  follow?: boolean;
  signal?: AbortSignal;
  /** Most records per yielded batch (default 1000). */
  batchSize?: number;
  /** Confluent schema ids this reader accepts besides single-object encoding (default none). */
  schemaIds?: number[];
  /** Schema registry to ask about other Confluent schema ids: accepted when the registry holds this reader's schema under that id (default '' = none). */
  schemaRegistryUrl?: string;
  /** Called for a record that does not decode; default: throw VEXFS_AVRO_DECODE naming topic, partition and offset. */
  onBadRecord?: (rec: { topic: string; partition: number; offset: string; value: Buffer | null }, err: Error) => void;
  /** TCP connect timeout per broker in ms (default 3000). */
  connectionTimeoutMs?: number;
}

const READ_KEYS = ['brokers', 'topics', 'clientId', 'codec', 'follow', 'signal', 'batchSize', 'schemaIds', 'schemaRegistryUrl', 'onBadRecord', 'connectionTimeoutMs'];

/** Leadership errors of a topic whose partitions are still electing a leader (just created, broker restarting). */
const ELECTING = new Set(['NOT_LEADER_FOR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** The topic's offsets, waiting (bounded, about 10 s) while its partitions elect a leader. */
async function offsetsWhenLed(admin: ReturnType<ReturnType<typeof kafkaClient>['admin']>, topic: string): Promise<{ partition: number; high: string; low: string }[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      const e = err as { type?: string; originalError?: { type?: string } };
      if (!(ELECTING.has(e.type ?? '') || ELECTING.has(e.originalError?.type ?? '')) || attempt >= 40) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/**
 * Consumes topics from the beginning and decodes every record (for replay and audit). Uses a
 * throw-away consumer group that never commits offsets. Without `follow` it stops at the end
 * offsets the topics had when the read started. Bounded: the consumer waits for the caller to
 * take each batch before fetching more.
 */
export async function* readKafkaTopic(opts: TopicReadOptions): AsyncGenerator<TopicRecord[]> {
  refuseUnknown('kafka read', '', opts, READ_KEYS);
  if (!Array.isArray(opts.topics) || opts.topics.length === 0) throw configError('kafka read', 'topics', opts.topics, 'a non-empty array of topic names');
  const o = resolveKafkaOptions({ brokers: opts.brokers, clientId: opts.clientId ?? 'vexfs-reader', connectionTimeoutMs: opts.connectionTimeoutMs }, 'kafka read');
  const batchSize = intOption('kafka read', 'batchSize', opts.batchSize, 1000, 1, 1_000_000);
  const codec = opts.codec ?? createEventCodec();
  const ids = new Set(opts.schemaIds ?? []);
  const refused = new Set<number>();
  const registryUrl = opts.schemaRegistryUrl ?? '';
  if (typeof registryUrl !== 'string' || (registryUrl !== '' && !/^https?:\/\/\S+$/.test(registryUrl))) throw configError('kafka read', 'schemaRegistryUrl', registryUrl, "'' or an http(s):// URL");
  const kafka = kafkaClient(o, 5);
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, bigint>(); // "topic:partition" → end offset still to reach
  const groupId = `vexfs-read-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  try {
    for (const topic of opts.topics) {
      for (const p of await offsetsWhenLed(admin, topic)) {
        if (BigInt(p.high) > BigInt(p.low)) remaining.set(`${topic}:${p.partition}`, BigInt(p.high));
      }
    }
  } catch (err) {
    await admin.disconnect().catch(() => {});
    throw new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `cannot read offsets of ${opts.topics.join(', ')}: ${(err as Error).message}`, { retriable: true, cause: err });
  }
  if (!opts.follow && remaining.size === 0) { await admin.disconnect().catch(() => {}); return; }

  const queue: TopicRecord[][] = [];
  let wakeReader: (() => void) | null = null;
  let wakeFetcher: (() => void) | null = null;
  let failure: Error | null = null;
  let finished = false;
  const notify = () => { const w = wakeReader; wakeReader = null; w?.(); };
  const release = () => { const w = wakeFetcher; wakeFetcher = null; w?.(); };

  const consumer: Consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, retry: { retries: 5 } });
  await consumer.connect();
  await consumer.subscribe({ topics: opts.topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, isRunning, heartbeat }) => {
      let out: TopicRecord[] = [];
      const key = `${batch.topic}:${batch.partition}`;
      for (const m of batch.messages) {
        if (!isRunning() || finished) return;
        const end = remaining.get(key);
        if (!opts.follow && (end === undefined || BigInt(m.offset) >= end)) continue;
        try {
          if (!m.value) throw new VexfsError(ErrorCodes.AVRO_DECODE, 'record has no value (tombstone)');
          if (registryUrl && m.value.length >= 5 && m.value[0] === 0) {
            const id = m.value.readUInt32BE(1);
            if (!ids.has(id) && !refused.has(id)) (await registryHasOurSchema(codec, registryUrl, id)) ? ids.add(id) : refused.add(id);
          }
          const event = decodeAny(codec, m.value, ids);
          out.push({ topic: batch.topic, partition: batch.partition, offset: m.offset, event, bytes: m.value.subarray(m.value[0] === 0 ? 5 : 10) });
        } catch (err) {
          const rec = { topic: batch.topic, partition: batch.partition, offset: m.offset, value: m.value };
          if (opts.onBadRecord) opts.onBadRecord(rec, err as Error);
          else { failure = new VexfsError(ErrorCodes.AVRO_DECODE, `${batch.topic}[${batch.partition}]@${m.offset}: ${(err as Error).message}`, { context: { topic: batch.topic, partition: batch.partition, offset: m.offset }, cause: err }); notify(); return; }
        }
        if (end !== undefined && BigInt(m.offset) + 1n >= end) remaining.delete(key);
        if (out.length >= batchSize) { queue.push(out); out = []; notify(); }
        // backpressure: wait while the caller has two batches it has not taken
        while (queue.length >= 2 && !finished) { await new Promise<void>((r) => { wakeFetcher = r; }); await heartbeat(); }
      }
      if (out.length) { queue.push(out); notify(); }
      if (!opts.follow && remaining.size === 0) { finished = true; notify(); }
    },
  });
  const onAbort = () => { finished = true; notify(); release(); };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (failure) throw failure;
      const next = queue.shift();
      if (next) { release(); yield next; continue; }
      if (finished || opts.signal?.aborted) return;
      await new Promise<void>((r) => { wakeReader = r; });
    }
  } finally {
    finished = true;
    opts.signal?.removeEventListener('abort', onAbort);
    release();
    await consumer.disconnect().catch(() => {});
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}
