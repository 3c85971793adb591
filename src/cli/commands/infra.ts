import type { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startKafkaBroker } from '../../infra/kafka-broker.js';
import { alive, stopPid } from '../../infra/process-util.js';
import { action, configFrom, type GlobalOptions } from '../context.js';

interface ServiceRecord { pid: number; address: string; dir: string }

/** `vexfs infra`: start/stop a local Kafka broker and ClickHouse server for broker mode on one machine. */
export function register(program: Command): void {
  const infra = program.command('infra').description('start or stop local services: a Kafka broker (Maven Central jars) and a ClickHouse server (Debian package)');
  const stateFile = (dataDir: string, name: string) => join(dataDir, 'infra', `${name}.json`);

  infra.command('start')
    .description('start the local services in the background and print the environment to use them')
    .argument('[service]', 'kafka | clickhouse | all', 'all')
    .option('--kafka-port <port>', 'Kafka client port', '9092')
    .action(action(async (service: string, o: { kafkaPort: string }) => {
      const g = program.opts<GlobalOptions>();
      const cfg = configFrom(g);
      mkdirSync(join(cfg.dataDir, 'infra'), { recursive: true });
      if (service === 'kafka' || service === 'all') {
        const f = stateFile(cfg.dataDir, 'kafka');
        const prev = existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ServiceRecord) : null;
        if (prev && alive(prev.pid)) { console.log(`export KAFKA_BROKERS=${prev.address}   # already running (pid ${prev.pid})`); }
        else {
          const b = await startKafkaBroker({ dir: join(cfg.dataDir, 'infra', 'kafka'), port: Number(o.kafkaPort) });
          writeFileSync(f, JSON.stringify({ pid: b.pid, address: b.brokers, dir: b.dir }));
          console.log(`export KAFKA_BROKERS=${b.brokers}   # pid ${b.pid}, data ${b.dir}`);
        }
      }
      if (service === 'clickhouse' || service === 'all') {
        const f = stateFile(cfg.dataDir, 'clickhouse');
        const prev = existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ServiceRecord) : null;
        if (prev && alive(prev.pid)) { console.log(`export CLICKHOUSE_URL=${prev.address}   # already running (pid ${prev.pid})`); }
        else {
          const { startClickhouseServer } = await import('../../infra/clickhouse-server.js');
          const ch = await startClickhouseServer({ dir: join(cfg.dataDir, 'infra', 'clickhouse') });
          writeFileSync(f, JSON.stringify({ pid: ch.pid, address: ch.url, dir: ch.dir }));
          console.log(`export CLICKHOUSE_URL=${ch.url}   # pid ${ch.pid}, data ${ch.dir}`);
        }
      }
    }));

  infra.command('stop')
    .description('stop the local services started by `vexfs infra start`')
    .argument('[service]', 'kafka | clickhouse | all', 'all')
    .action(action(async (service: string) => {
      const cfg = configFrom(program.opts<GlobalOptions>());
      for (const name of ['kafka', 'clickhouse']) {
        if (service !== 'all' && service !== name) continue;
        const f = stateFile(cfg.dataDir, name);
        if (!existsSync(f)) { console.log(`${name}: not started here`); continue; }
        const rec = JSON.parse(readFileSync(f, 'utf8')) as ServiceRecord;
        await stopPid(rec.pid, 15_000);
        rmSync(f, { force: true });
        console.log(`${name}: stopped (pid ${rec.pid})`);
      }
    }));
}
