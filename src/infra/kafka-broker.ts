import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, spawnService, stopPid, waitUntil } from './process-util.js';

/** Runs a single-node KRaft Apache Kafka broker from the Maven Central jars (infra/kafka). */

const INFRA = fileURLToPath(new URL('../../infra/kafka/', import.meta.url));

export interface KafkaBroker {
  /** host:port for clients */
  brokers: string;
  pid: number;
  dir: string;
  stop(): Promise<void>;
}

export interface KafkaBrokerOptions {
  /** Working directory for data and logs; default a new temp dir. */
  dir?: string;
  /** Client port; default a free port. */
  port?: number;
  /** JVM heap, default 512m. */
  heap?: string;
  /** Bounded wait for readiness, default 60 s. */
  readyTimeoutMs?: number;
}

/** Fetches the jars if needed (Maven), returns the libs directory. */
export function kafkaLibs(): string {
  return execFileSync('bash', [join(INFRA, 'fetch.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** Starts a broker on 127.0.0.1 and waits until a client can create a topic. */
export async function startKafkaBroker(opts: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const libs = kafkaLibs();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'vexfs-kafka-'));
  mkdirSync(dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const cport = await freePort();
  const props = [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@127.0.0.1:${cport}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${cport}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(dir, 'data')}`,
    'num.partitions=3',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=3',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'min.insync.replicas=1',
    'default.replication.factor=1',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=true',
    'log.flush.interval.messages=9223372036854775807',
  ].join('\n');
  const propsFile = join(dir, 'server.properties');
  writeFileSync(propsFile, props + '\n');
  const cp = `${libs}/*`;
  const log4j = `-Dlog4j.configuration=file:${join(INFRA, 'log4j.properties')}`;
  if (!existsSync(join(dir, 'data', 'meta.properties'))) {
    const id = execFileSync('java', [log4j, '-cp', cp, 'kafka.tools.StorageTool', 'random-uuid'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!.trim();
    execFileSync('java', [log4j, '-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', propsFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const child = spawnService('java', [`-Xmx${opts.heap ?? '512m'}`, '-Xms128m', '-XX:+UseSerialGC', log4j, `-Dkafka.logs.dir=${dir}`, '-cp', cp, 'kafka.Kafka', propsFile], join(dir, 'broker.log'));
  const pid = child.pid!;
  const brokers = `127.0.0.1:${port}`;
  const stop = () => stopPid(pid, 15_000);
  try {
    const kafka = new Kafka({ clientId: 'vexfs-probe', brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    await waitUntil(`Kafka broker at ${brokers} (log: ${join(dir, 'broker.log')})`, async () => {
      if (child.exitCode !== null) throw new Error(`broker exited with code ${child.exitCode}`);
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.createTopics({ topics: [{ topic: '__vexfs_probe', numPartitions: 1 }], waitForLeaders: true });
        return true;
      } finally { await admin.disconnect().catch(() => {}); }
    }, opts.readyTimeoutMs ?? 60_000, 300);
  } catch (err) {
    await stop();
    throw err;
  }
  return { brokers, pid, dir, stop };
}
