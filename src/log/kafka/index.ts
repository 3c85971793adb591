import { ErrorCodes, VexfsError } from '../../errors.js';
import { createEventCodec, ZERO_HASH, type EventCodec } from '../../events/codec.js';
import { KINDS, type VexEvent } from '../../events/types.js';
import type { EventLog, LoggedEvent, ReadOptions } from '../event-log.js';
import { configError, intOption } from '../journal/options.js';
import { createBackoff, trackAvailability, type BackoffOptions } from './backoff.js';
import { readKafkaTopic } from './consumer.js';
import { resolveKafkaOptions, type KafkaOptions, type ResolvedKafkaOptions } from './options.js';
import { connectSender, topicOf, type EventSender } from './producer.js';

export { readKafkaTopic, type TopicReadOptions, type TopicRecord } from './consumer.js';
export { connectSender, ensureTopics, topicOf, type EventSender } from './producer.js';
export { confluentFraming, singleObjectFraming, decodeAny, registryHasOurSchema, type ValueFraming } from './framing.js';
export { resolveKafkaOptions, KAFKA_DEFAULTS, type KafkaOptions, type ResolvedKafkaOptions } from './options.js';
export { createBackoff, trackAvailability, type Backoff, type BackoffOptions, type Availability } from './backoff.js';

/** Options of the Kafka EventLog adapter. */
export interface KafkaLogOptions extends KafkaOptions {
  /** Node whose events read() returns in seq order; without it read() returns every node's events in arrival order. */
  node?: string;
  /** Events per produce request (default 1000). */
  batchSize?: number;
  /** Appended events not yet acknowledged beyond which append() throws VEXFS_BROKER_UNAVAILABLE instead of growing (default 100000). */
  maxBuffered?: number;
  /** Where the emitter continues (default seq 0 and the zero hash): Kafka cannot tell cheaply. */
  tail?: { seq: number; hash: Buffer };
  /** Retry delays while the broker is down (default 100 ms doubling to 10 s, ±20 % jitter). */
  backoff?: BackoffOptions;
  /** Out-of-order events read() may hold while waiting for a missing seq (default 100000). */
  maxReorder?: number;
}

/** The Kafka EventLog: appends buffer in memory and are produced in batches; flush() awaits the broker's acks. */
export interface KafkaLog extends EventLog {
  readonly options: ResolvedKafkaOptions;
  /** Events appended but not yet acknowledged. */
  readonly buffered: number;
}

const EXTRA_KEYS = ['node', 'batchSize', 'maxBuffered', 'tail', 'backoff', 'maxReorder'];

/**
 * Connects to Kafka (creating the vexfs.<kind>.v1 topics, registering the schema when a registry
 * URL is set) and returns the EventLog adapter. VexFS normally writes the journal and ships it
 * (createShipper); this adapter is for Kafka-only deployments and for reading topics back.
 */
export async function createKafkaLog(opts: KafkaLogOptions, codec: EventCodec = createEventCodec()): Promise<KafkaLog> {
  const o = resolveKafkaOptions(opts, 'kafka', EXTRA_KEYS);
  const batchSize = intOption('kafka', 'batchSize', opts.batchSize, 1000, 1, 100_000);
  const maxBuffered = intOption('kafka', 'maxBuffered', opts.maxBuffered, 100_000, 1);
  const maxReorder = intOption('kafka', 'maxReorder', opts.maxReorder, 100_000, 1);
  if (opts.node !== undefined && (typeof opts.node !== 'string' || !opts.node)) throw configError('kafka', 'node', opts.node, 'a non-empty node name');
  const sender: EventSender = await connectSender(o, codec);
  const topics = KINDS.map((k) => topicOf(o.topicPrefix, k));
  const schemaIds = sender.framing.kind === 'confluent' ? [...new Set(topics.map((t) => sender.framing.encode(t, Buffer.alloc(0)).readUInt32BE(1)))] : [];
  const backoff = createBackoff(opts.backoff);
  const broker = trackAvailability(o.log, `Kafka at ${o.brokers.join(',')}`);
  let last = opts.tail ? { seq: opts.tail.seq, hash: Buffer.from(opts.tail.hash) } : { seq: 0, hash: Buffer.from(ZERO_HASH) };
  const pending: LoggedEvent[] = [];
  let appended = 0;
  let acked = 0;
  let pumping = false;
  let closed = false;
  let retryTimer: NodeJS.Timeout | null = null;
  const waiters: { target: number; resolve: () => void; reject: (e: Error) => void }[] = [];

  async function pump(): Promise<void> {
    if (pumping) return;
    pumping = true;
    try {
      while (pending.length > 0) {
        const batch = pending.slice(0, batchSize);
        try {
          await sender.send(batch);
        } catch (err) {
          broker.down(err);
          if (closed) return;
          retryTimer = setTimeout(() => { retryTimer = null; void pump(); }, backoff.next());
          return;
        }
        broker.up();
        backoff.reset();
        pending.splice(0, batch.length);
        acked += batch.length;
        let keep = 0;
        for (const w of waiters) { if (w.target <= acked) w.resolve(); else waiters[keep++] = w; }
        waiters.length = keep;
      }
    } finally { pumping = false; }
  }

  const log: KafkaLog = {
    name: 'kafka',
    options: o,
    strict: false,
    get buffered() { return pending.length; },
    tail() { return { seq: last.seq, hash: Buffer.from(last.hash) }; },
    append(event: VexEvent, bytes: Buffer) {
      if (closed) throw new VexfsError(ErrorCodes.JOURNAL_CLOSED, `append of seq ${event.seq} after the Kafka log was closed`);
      if (pending.length >= maxBuffered) {
        throw new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `Kafka at ${o.brokers.join(',')} has ${pending.length} unacknowledged events (maxBuffered ${maxBuffered}); use the journal with a shipper to ride out broker outages`, { retriable: true, context: { brokers: o.brokers } });
      }
      const copy = Buffer.from(bytes);
      pending.push({ event: { ...event, hash: Buffer.from(copy.subarray(copy.length - 32)) }, bytes: copy });
      appended++;
      last = { seq: event.seq, hash: copy.subarray(copy.length - 32) };
      if (!pumping && !retryTimer) queueMicrotask(() => void pump());
    },
    flush() {
      if (acked >= appended) return Promise.resolve();
      return new Promise<void>((resolve, reject) => { waiters.push({ target: appended, resolve, reject }); if (!retryTimer) void pump(); });
    },
    async *read(ro: ReadOptions = {}): AsyncGenerator<LoggedEvent[]> {
      const from = ro.from ?? 1;
      const size = ro.batchSize ?? 1000;
      let next = from;
      const held = new Map<number, LoggedEvent>();
      let out: LoggedEvent[] = [];
      for await (const recs of readKafkaTopic({ brokers: o.brokers, topics, codec, follow: ro.follow, signal: ro.signal, batchSize: size, schemaIds, schemaRegistryUrl: o.schemaRegistryUrl, clientId: o.clientId })) {
        for (const r of recs) {
          const e = r.event;
          if (opts.node === undefined) { if (e.seq >= from) out.push({ event: e, bytes: r.bytes }); continue; }
          // events of one node are in seq order per partition; merge partitions and drop re-sent duplicates
          if (e.node !== opts.node || e.seq < next || held.has(e.seq)) continue;
          held.set(e.seq, { event: e, bytes: r.bytes });
          if (held.size > maxReorder) throw new VexfsError(ErrorCodes.AUDIT_FAILED, `seq ${next} of node ${opts.node} is missing after ${maxReorder} later events`, { context: { node: opts.node, seq: next } });
          for (let h = held.get(next); h; h = held.get(next)) { out.push(h); held.delete(next); next++; }
        }
        while (out.length >= size) yield out.splice(0, size);
        if (out.length) { yield out; out = []; }
      }
      // a gap at the end: hand over what is left in seq order; gap detection is the auditor's job
      if (held.size) yield [...held.values()].sort((a, b) => a.event.seq - b.event.seq);
    },
    async close() {
      if (closed) return;
      if (retryTimer) { clearTimeout(retryTimer); retryTimer = null; }
      if (pending.length && !broker.isDown) await Promise.race([log.flush(), new Promise((r) => setTimeout(r, 10_000))]);
      closed = true;
      if (pending.length) o.log.warn(`closing the Kafka log with ${pending.length} unacknowledged events (they were not sent)`);
      for (const w of waiters.splice(0)) w.reject(new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, 'Kafka log closed before the broker acknowledged', { retriable: true }));
      await sender.close();
    },
  };
  return log;
}
