import { Kafka, logLevel } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { startKafkaBroker, type KafkaBroker } from '../../src/infra/kafka-broker.js';

/**
 * Test access to a real Kafka broker, in this order:
 * 1. KAFKA_BROKERS when set (scripts/test.sh starts one broker per test run and sets it);
 * 2. with VEXFS_TEST_CONTAINERS=1 and a reachable Docker engine, a testcontainers Kafka;
 * 3. otherwise a broker from the Maven Central jars started for this test file.
 */
let own: KafkaBroker | undefined;

export async function testKafka(): Promise<{ brokers: string[]; stop: () => Promise<void> }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS.split(','), stop: async () => {} };
  if (process.env.VEXFS_TEST_CONTAINERS === '1') {
    const docker = await dockerEngine();
    if (docker.ok) return containerKafka();
    console.error(`[test support] VEXFS_TEST_CONTAINERS=1 but ${docker.reason}; starting the Maven-jar broker instead`);
  }
  own ??= await startKafkaBroker();
  const b = own;
  return { brokers: [b.brokers], stop: async () => { await b.stop(); own = undefined; } };
}

/** Whether a Docker engine answers (testcontainers' own runtime detection). */
export async function dockerEngine(): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `no Docker engine is reachable (${(err as Error).message.split('\n')[0]})` };
  }
}

/** A single-node KRaft Kafka in a container (apache/kafka image), for machines with Docker. */
export async function containerKafka(): Promise<{ brokers: string[]; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const { freePort } = await import('../../src/infra/process-util.js');
  // Kafka advertises an address clients must reach: bind a known free host port and advertise it.
  const hostPort = await freePort();
  const c = await new GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: 9092, host: hostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1', KAFKA_PROCESS_ROLES: 'broker,controller', KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093', KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`, KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1', KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1', KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const brokers = [`127.0.0.1:${hostPort}`];
  return { brokers, stop: async () => { await c.stop(); } };
}

/** A kafkajs client with logging quiet except errors. */
export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: `vexfs-test-${randomBytes(3).toString('hex')}`, brokers, logLevel: logLevel.ERROR });
}

/** A random name so runs never collide (topics, groups, nodes). */
export function randomName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
