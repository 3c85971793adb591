import { Kafka, logLevel, type Producer } from 'kafkajs';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { createEventCodec, type EventCodec } from '../../events/codec.js';
import { sinkMetrics } from '../../metrics/registry.js';
import type { SemanticPayload, VexEvent } from '../../events/types.js';
import type { Batch, Sink } from '../sink.js';

/** Options of the semantic topic sink (broker mode). */
export interface SemanticTopicSinkOptions {
  /** Bootstrap brokers (host:port); required. */
  brokers: string[];
  /** Topic; default 'vexfs.semantic.v1'. */
  topic?: string;
  /** Partitions when the sink creates the topic; default 3. */
  partitions?: number;
  /** Kafka client id; default 'vexfs-semantic-sink'. */
  clientId?: string;
  /** Event codec; default the current contract. */
  codec?: EventCodec;
}

const KEYS = new Set(['brokers', 'topic', 'partitions', 'clientId', 'codec']);

/**
 * Produces the semantic results of each batch (window stats, anomalies, patterns) to the
 * semantic topic as Avro single-object messages (C3 01 + schema fingerprint + Event body,
 * decodable with schemas/avro alone), keyed by the result's group so one group stays in
 * order. Other kinds in the batch are ignored. The producer is idempotent with acks=all;
 * write() resolves once Kafka acknowledged every message. A crash between the ack and
 * the runner's commit re-produces a batch: consumers drop duplicates by event id.
 */
export function createSemanticTopicSink(opts: SemanticTopicSinkOptions): Sink {
  for (const k of Object.keys(opts)) {
    if (!KEYS.has(k)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `unknown semantic sink option '${k}' (allowed: ${[...KEYS].join(', ')})`, { context: { key: k } });
  }
  if (!Array.isArray(opts.brokers) || opts.brokers.length === 0 || !opts.brokers.every((b) => /^[^\s:]+:\d{1,5}$/.test(b))) {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, `brokers = ${JSON.stringify(opts.brokers)} is invalid: expected a non-empty list of host:port`, { context: { key: 'brokers', value: opts.brokers } });
  }
  const topic = opts.topic ?? 'vexfs.semantic.v1';
  const partitions = opts.partitions ?? 3;
  if (!Number.isInteger(partitions) || partitions < 1) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `partitions = ${JSON.stringify(partitions)} is invalid: expected an integer >= 1`, { context: { key: 'partitions', value: partitions } });
  const codec = opts.codec ?? createEventCodec();
  const kafka = new Kafka({ clientId: opts.clientId ?? 'vexfs-semantic-sink', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  let producer: Producer | undefined;
  let connecting: Promise<Producer> | undefined;
  let buf = Buffer.allocUnsafe(64 * 1024);

  async function connect(): Promise<Producer> {
    const admin = kafka.admin();
    await admin.connect();
    try { await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true }); }
    finally { await admin.disconnect(); }
    const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await p.connect();
    producer = p;
    return p;
  }

  function encode(ev: VexEvent): Buffer {
    let end = codec.encodeInto(ev, buf, 0);
    while (end < 0) { buf = Buffer.allocUnsafe(buf.length * 2); end = codec.encodeInto(ev, buf, 0); }
    return codec.toSingleObject(buf.subarray(0, end));
  }

  return {
    name: 'kafka-semantic',
    async write(batch: Batch) {
      const semantic = batch.events.filter((e) => e.kind === 'semantic');
      if (semantic.length === 0) return;
      const messages = semantic.map((ev) => {
        const p = ev.payload as SemanticPayload;
        return { key: p.group || ev.key, value: encode(ev), headers: { type: p.type, id: ev.id } };
      });
      try {
        const p = producer ?? (await (connecting ??= connect().finally(() => { connecting = undefined; })));
        await p.send({ topic, messages, acks: -1 });
      } catch (err) {
        throw new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `producing ${messages.length} semantic results to ${topic} failed: ${(err as Error).message}`, { retriable: true, context: { topic, position: batch.position.token }, cause: err });
      }
      for (const ev of semantic) sinkMetrics.published.inc({ type: (ev.payload as SemanticPayload).type });
    },
    async healthcheck() {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        return { ok: true, detail: `${topic}: ${meta.topics[0]?.partitions.length ?? 0} partitions` };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      } finally { await admin.disconnect().catch(() => {}); }
    },
    async close() {
      const p = producer ?? (await connecting?.catch(() => undefined));
      producer = undefined;
      await p?.disconnect();
    },
  };
}
