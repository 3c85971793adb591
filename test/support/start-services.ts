/**
 * Starts the real services a test run needs once (Kafka broker; ClickHouse server when
 * the sinks support is present), prints their addresses as shell exports, and writes
 * their pids to a file so scripts/test.sh stops them by pid in its trap.
 * Usage: tsx test/support/start-services.ts <pidfile>
 */
import { writeFileSync, appendFileSync } from 'node:fs';
import { startKafkaBroker } from '../../src/infra/kafka-broker.js';

const pidFile = process.argv[2];
if (!pidFile) throw new Error('usage: start-services.ts <pidfile>');
writeFileSync(pidFile, '');
const exports: string[] = [];
const kafka = await startKafkaBroker({ readyTimeoutMs: 90_000 });
appendFileSync(pidFile, `${kafka.pid}\n`);
exports.push(`export KAFKA_BROKERS=${kafka.brokers}`);
try {
  // The ClickHouse launcher lands with the sinks; until then only Kafka is started.
  const chModule = '../../src/infra/clickhouse-server.js';
  const mod = await import(chModule).catch(() => null);
  if (mod?.startClickhouseServer) {
    const ch = await mod.startClickhouseServer({});
    appendFileSync(pidFile, `${ch.pid}\n`);
    exports.push(`export CLICKHOUSE_URL=${ch.url}`);
  }
} catch (err) {
  console.error(`[services] ClickHouse server failed to start: ${(err as Error).message}`);
  throw err;
}
console.log(exports.join('\n'));
process.exit(0);
