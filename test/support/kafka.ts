import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { startKafkaBroker, type KafkaBroker } from '../../src/infra/kafka-broker.js';

/**
 * Test access to a real Kafka broker: KAFKA_BROKERS when set (scripts/test.sh starts one
 * broker per test run and sets it), otherwise a broker started for this test file.
 * Where a Docker engine is reachable, VEXFS_TEST_CONTAINERS=1 uses testcontainers instead.
 */
let own: KafkaBroker | undefined;

export async function testKafka(): Promise<{ brokers: string[]; stop: () => Promise<void> }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS.split(','), stop: async () => {} };
  own ??= await startKafkaBroker();
  const b = own;
  return { brokers: [b.brokers], stop: async () => { await b.stop(); own = undefined; } };
}

/** A kafkajs client with logging quiet except errors. */
export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: `vexfs-test-${randomBytes(3).toString('hex')}`, brokers, logLevel: logLevel.ERROR });
}

/** A random name so runs never collide (topics, groups, nodes). */
export function randomName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
