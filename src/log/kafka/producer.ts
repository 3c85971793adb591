import { Kafka, logLevel, type Message, type Producer, type TopicMessages } from 'kafkajs';
import { ErrorCodes, VexfsError } from '../../errors.js';
import type { EventCodec } from '../../events/codec.js';
import { KINDS, type Kind } from '../../events/types.js';
import type { LoggedEvent } from '../event-log.js';
import { confluentFraming, singleObjectFraming, type ValueFraming } from './framing.js';
import type { ResolvedKafkaOptions } from './options.js';

/** The topic of a kind: <prefix>.<kind>.v1. */
export function topicOf(prefix: string, kind: Kind): string {
  return `${prefix}.${kind}.v1`;
}

/** A kafkajs client whose own logging is off: VexFS reports broker state itself, once per transition. */
export function kafkaClient(o: ResolvedKafkaOptions, retries = 2): Kafka {
  return new Kafka({
    clientId: o.clientId, brokers: o.brokers, logLevel: logLevel.NOTHING,
    connectionTimeout: o.connectionTimeoutMs, requestTimeout: o.requestTimeoutMs,
    retry: { retries, initialRetryTime: 100, maxRetryTime: 2000 },
  });
}

/** Sends encoded events to their kind topics: idempotent producer, acks = all. */
export interface EventSender {
  readonly framing: ValueFraming;
  /** Sends one batch; resolves when every message is acknowledged by all in-sync replicas. */
  send(events: readonly LoggedEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Creates the topics (if configured), registers schemas (if a registry is set) and connects an idempotent producer. */
export async function connectSender(o: ResolvedKafkaOptions, codec: EventCodec): Promise<EventSender> {
  const kafka = kafkaClient(o);
  const topics = KINDS.map((k) => topicOf(o.topicPrefix, k));
  if (o.createTopics) await ensureTopics(kafka, topics, o.partitions, o.replicationFactor, o.brokers);
  const framing = o.schemaRegistryUrl ? await confluentFraming(codec, o.schemaRegistryUrl, topics) : singleObjectFraming(codec);
  // maxInFlightRequests 1 keeps per-partition order across retries (kafkajs requires it for idempotence)
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 } });
  try { await producer.connect(); } catch (err) { throw unavailable(o, err); }
  const byTopic = new Map<string, Message[]>();
  return {
    framing,
    async send(events) {
      byTopic.clear();
      for (const { event, bytes } of events) {
        const topic = topicOf(o.topicPrefix, event.kind);
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({
          key: event.key,
          value: framing.encode(topic, bytes),
          headers: { id: event.id, node: event.node, seq: String(event.seq) },
        });
      }
      const topicMessages: TopicMessages[] = [];
      for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
      try {
        await producer.sendBatch({ topicMessages, acks: -1 });
      } catch (err) {
        throw unavailable(o, err);
      }
    },
    async close() { await producer.disconnect().catch(() => {}); },
  };
}

/**
 * Creates missing topics with `partitions` partitions; existing ones are left alone. A broker that
 * just started answers "unknown topic" while leaders are elected: such retriable errors are
 * retried a few times before giving up.
 */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions: number, replicationFactor: number, brokers: string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = new Set(await admin.listTopics());
        const missing = topics.filter((t) => !existing.has(t));
        if (missing.length) {
          await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })), waitForLeaders: true });
        }
        return;
      } catch (err) {
        const retriable = (err as { retriable?: boolean }).retriable === true || (err as { type?: string }).type === 'TOPIC_ALREADY_EXISTS';
        if (!retriable || attempt >= 8) throw err;
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
  } catch (err) {
    throw unavailable({ brokers }, err);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function unavailable(o: Pick<ResolvedKafkaOptions, 'brokers'>, err: unknown): VexfsError {
  if (err instanceof VexfsError) return err;
  const e = err as Error & { retriable?: boolean };
  return new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `Kafka at ${o.brokers?.join(',') || '(brokers)'} did not acknowledge: ${e.message}`, { retriable: true, context: { brokers: o.brokers }, cause: err });
}
