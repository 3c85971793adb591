import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSemanticTopicSink } from '../../src/sinks/kafka/semantic-topic-sink.js';
import { createEventCodec } from '../../src/events/codec.js';
import type { SemanticPayload, VexEvent } from '../../src/events/types.js';
import { kafkaClient, randomName, testKafka } from '../support/kafka.js';
import { makeEvents } from '../support/clickhouse.js';

let brokers: string[] = [];
let stop: () => Promise<void> = async () => {};
before(async () => { const k = await testKafka(); brokers = k.brokers; stop = k.stop; });
after(async () => { await stop(); });

test('semantic results are produced to the topic as single-object Avro, keyed by group, and decode', { timeout: 90_000 }, async () => {
  const topic = randomName('vexfs.semantic.v1');
  const sink = createSemanticTopicSink({ brokers, topic, partitions: 2 });
  const events = makeEvents('semantic-topic', 0, 200);
  const semantic = events.filter((e) => e.kind === 'semantic');
  assert.ok(semantic.length >= 10);
  try {
    await sink.write({ lane: 'bulk', events: events.slice(0, 100), position: { kind: 'journal', token: 'journal:n1:1-100' } });
    await sink.write({ lane: 'critical', events: events.slice(100), position: { kind: 'journal', token: 'journal:n1:101-200' } });
    assert.equal((await sink.healthcheck()).ok, true);
  } finally { await sink.close(); }

  const codec = createEventCodec();
  const consumer = kafkaClient(brokers).consumer({ groupId: randomName('g') });
  const got: { key: string; event: VexEvent }[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length}/${semantic.length} messages consumed in 30 s`)), 30_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          got.push({ key: message.key!.toString(), event: codec.fromSingleObject(message.value!) });
          if (got.length >= semantic.length) { clearTimeout(timer); resolve(); }
        },
      });
    });
  } finally { await consumer.disconnect(); }
  assert.equal(got.length, semantic.length);
  const byId = new Map(got.map((g) => [g.event.id, g]));
  for (const ev of semantic) {
    const m = byId.get(ev.id);
    assert.ok(m, `missing ${ev.id}`);
    assert.equal(m.key, (ev.payload as SemanticPayload).group);
    assert.equal(m.event.kind, 'semantic');
    assert.deepEqual({ ...m.event.payload }, { ...ev.payload });
    assert.equal(m.event.seq, ev.seq);
    assert.ok(m.event.hash.equals(ev.hash), 'the hash chain value survives the trip');
  }
  assert.deepEqual(new Set(got.map((g) => (g.event.payload as SemanticPayload).type)), new Set(['anomaly', 'window']));
});
