import type { Kafka, Producer } from 'kafkajs';
import { ErrorCodes, VexfsError } from '../errors.js';
import { deadLetterTopic, type DeadLetter, type DeadLetterPort } from './dead-letter.js';

/**
 * Dead letters on a Kafka topic (default vexfs.deadletter.v1): the original key and bytes as
 * the record, the reason in headers (vexfs-stage, vexfs-code, vexfs-reason, vexfs-source,
 * vexfs-at), as Kafka Connect's dead-letter queues do. Idempotent producer, acks=all.
 * The topic is created if missing (1 partition per default; dead letters are rare).
 */
export function createKafkaDeadLetters(opts: { kafka: Kafka; topic?: string; partitions?: number }): DeadLetterPort & { readonly topic: string } {
  const topic = opts.topic ?? deadLetterTopic();
  let producer: Producer | null = null;
  let ready: Promise<Producer> | null = null;
  const connect = (): Promise<Producer> => {
    ready ??= (async () => {
      const admin = opts.kafka.admin();
      await admin.connect();
      try {
        const topics = await admin.listTopics();
        if (!topics.includes(topic)) await admin.createTopics({ topics: [{ topic, numPartitions: opts.partitions ?? 1 }], waitForLeaders: true }).catch(() => {});
      } finally { await admin.disconnect(); }
      const p = opts.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await p.connect();
      producer = p;
      return p;
    })().catch((err) => { ready = null; throw new VexfsError(ErrorCodes.BROKER_UNAVAILABLE, `dead-letter topic ${topic}: ${(err as Error).message}`, { retriable: true, cause: err, context: { topic } }); });
    return ready;
  };
  return {
    name: 'dead-letter-kafka',
    topic,
    async send(letter: DeadLetter) {
      const p = await connect();
      await p.send({
        topic, acks: -1,
        messages: [{
          key: letter.key, value: letter.value,
          headers: { 'vexfs-stage': letter.stage, 'vexfs-code': letter.code, 'vexfs-reason': letter.reason, 'vexfs-source': letter.source, 'vexfs-at': new Date(letter.at).toISOString() },
        }],
      });
    },
    async close() {
      await producer?.disconnect();
      producer = null; ready = null;
    },
  };
}
