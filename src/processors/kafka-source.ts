import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { EventCodec } from '../events/codec.js';
import type { VexEvent } from '../events/types.js';
import { metrics } from '../metrics/registry.js';
import { deadLetterOf, type DeadLetterPort } from './dead-letter.js';
import type { Pipeline } from './pipeline.js';
import { unprocessable } from './pipeline.js';
import { SourceEntry } from './source-entry.js';

/**
 * Runs a Kafka consumer-group member: each fetched batch (one partition) is decoded —
 * undecodable or unknown-schema records go to the dead-letter port with the reason — fed
 * through the pipeline, and its offset committed only once the sink acknowledged every event of
 * the batch and every result it triggered. Backpressure: the batch handler awaits room in the
 * bridge, and kafkajs fetches no more for a partition while its handler runs; heartbeats
 * continue during the waits. A member that dies before committing leaves its batch to the next
 * owner of the partition: those events are processed twice (the sink drops them by event id).
 */
/** Partitions whose batches one member handles at the same time. */
const PARTITIONS_CONCURRENTLY = 4;

export async function startKafkaSource(o: {
  kafka: Kafka; groupId: string; topics: string[]; fromBeginning: boolean; sessionTimeoutMs: number;
  codec: EventCodec; pipeline: Pipeline; deadLetters: DeadLetterPort; onCommit: (topic: string, partition: number, offset: number) => void;
  onError: (err: unknown) => void;
}): Promise<Consumer> {
  const consumer = o.kafka.consumer({
    groupId: o.groupId, sessionTimeout: o.sessionTimeoutMs, heartbeatInterval: Math.max(500, Math.floor(o.sessionTimeoutMs / 6)),
    rebalanceTimeout: Math.max(o.sessionTimeoutMs, 10_000), allowAutoTopicCreation: false,
    // Short fetch waits keep heartbeats (and so rebalances) prompt on a quiet topic.
    maxWaitTimeInMs: 500,
  });
  await consumer.connect();
  for (const topic of o.topics) await consumer.subscribe({ topic, fromBeginning: o.fromBeginning });
  consumer.on(consumer.events.CRASH, (e) => { if (!e.payload.restart) o.onError(e.payload.error); });
  await consumer.run({
    // Batches of different partitions are handled concurrently: while one waits for the sink's
    // acknowledgement and its commit, others are decoded and fed (order within a partition holds).
    partitionsConsumedConcurrently: PARTITIONS_CONCURRENTLY,
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: (p) => handleBatch(p, o, consumer),
  });
  return consumer;
}

async function handleBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload, o: Parameters<typeof startKafkaSource>[0], consumer: Consumer): Promise<void> {
  if (batch.messages.length === 0) return;
  const stream = `${batch.topic}:${batch.partition}`;
  const first = Number(batch.messages[0]!.offset);
  const last = Number(batch.messages[batch.messages.length - 1]!.offset);
  const entry = new SourceEntry('kafka', stream, first, last);
  const events: VexEvent[] = [];
  const offsets: number[] = [];
  for (const m of batch.messages) {
    const offset = Number(m.offset);
    let ev: VexEvent | null = null;
    try {
      if (!m.value) throw Object.assign(new Error('record has no value'), { code: 'VEXFS_AVRO_DECODE' });
      ev = o.codec.fromSingleObject(m.value);
      const why = unprocessable(ev);
      if (why) throw Object.assign(new Error(why), { code: 'VEXFS_EVENT_INVALID' });
    } catch (err) {
      const letter = deadLetterOf('decode', err, `${stream}:${offset}`, m.key ?? null, m.value ?? null);
      await o.deadLetters.send(letter);
      metrics.deadLetters.inc({ stage: 'decode', reason: letter.code });
      continue;
    }
    events.push(ev); offsets.push(offset);
  }
  await o.pipeline.feed(entry, events, offsets);
  entry.seal();
  // Wait for the sink's acknowledgements, heartbeating so the group keeps this member.
  let settled = false;
  void entry.settled.then(() => { settled = true; });
  while (!settled) {
    await Promise.race([entry.settled, new Promise((r) => setTimeout(r, 1000))]);
    // A rebalance surfaces here as an error: it propagates so kafkajs rejoins the group.
    if (!settled) await heartbeat();
  }
  if (!isRunning() || isStale()) return;
  resolveOffset(batch.messages[batch.messages.length - 1]!.offset);
  // If a rebalance took the partition away, this throws and kafkajs rejoins; the next owner
  // re-reads from the last commit (the documented duplicates).
  await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(last + 1) }]);
  o.onCommit(batch.topic, batch.partition, last + 1);
  await heartbeat();
}
