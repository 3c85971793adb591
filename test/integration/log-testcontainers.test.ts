import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerKafka, dockerEngine, kafkaClient, randomName } from '../support/kafka.js';

// The same broker contract through testcontainers, where a Docker engine exists. These machines
// have none: the test then reports itself skipped with the reason, never passed.
test('testcontainers Kafka: produce and consume one record (needs a Docker engine)', { timeout: 180_000 }, async (t) => {
  const docker = await dockerEngine();
  if (!docker.ok) { t.skip(docker.reason); return; }
  const k = await containerKafka();
  try {
    const kafka = kafkaClient(k.brokers);
    const topic = randomName('tc');
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'k', value: 'v' }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: randomName('g') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const got = await new Promise<string>((resolve) => { void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) }); });
    await consumer.disconnect();
    assert.equal(got, 'v');
  } finally {
    await k.stop();
  }
});
