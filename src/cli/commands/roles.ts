import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { systemPayload } from '../../events/payloads.js';
import { createVectorService, createVectorSemanticHooks } from '../../producers/vector/index.js';
import { runMount } from '../../producers/fuse/run-mount.js';
import { runProcessor } from '../../processors/index.js';
import { readJournal } from '../../log/journal/index.js';
import type { EventLog } from '../../log/event-log.js';
import { ZERO_HASH } from '../../events/codec.js';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { createSemanticTopicSink } from '../../sinks/kafka/semantic-topic-sink.js';
import { action, configFrom, type GlobalOptions } from '../context.js';
import { createAnalyticsSink, ensureTopics, journalDir, openNodeLog, processorOptions } from '../compose.js';

const say = (role: string) => (msg: string) => process.stderr.write(`vexfs ${role}: ${msg}\n`);

/** `vexfs mount`, `vexfs process` and `vexfs sink`: the roles of a scaled-out deployment, each its own process. */
export function register(program: Command): void {
  const g = () => program.opts<GlobalOptions>();
  registerSink(program, g);

  program.command('mount')
    .description('serve the FUSE mount (with the vector service behind xattrs and .vexfs/similar) as its own process; events go to the journal, and to Kafka when KAFKA_BROKERS is set')
    .argument('[backing]', 'backing directory (config mount.backing)')
    .argument('[mountpoint]', 'mount point (config mount.mountpoint)')
    .option('--ready-file <file>', 'touch this file once mounted')
    .action(action(async (backing: string | undefined, mountpoint: string | undefined, o: { readyFile?: string }) => {
      const cfg = configFrom(g(), { 'mount.backing': backing, 'mount.mountpoint': mountpoint });
      const log = say('mount');
      mkdirSync(cfg.mount.backing, { recursive: true });
      const node = await openNodeLog(cfg, log);
      const vectors = await createVectorService({ emitter: node.emitter, dataDir: cfg.dataDir, log: node.journal, defaultCollection: cfg.vector.defaultCollection, defaultDim: cfg.vector.defaultDim, defaultMetric: cfg.vector.defaultMetric });
      const mount = await runMount({
        backing: cfg.mount.backing, mountpoint: cfg.mount.mountpoint, dataDir: journalDir(cfg), node: cfg.node,
        contentHash: cfg.mount.contentHash, attrTimeout: cfg.mount.attrTimeout, entryTimeout: cfg.mount.entryTimeout, kernelCache: cfg.mount.kernelCache,
        similarK: cfg.vector.similarK, shared: { log: node.journal, emitter: node.emitter }, hooks: () => createVectorSemanticHooks(vectors),
        handleSignals: false, log,
      });
      if (o.readyFile) (await import('node:fs')).writeFileSync(o.readyFile, JSON.stringify({ pid: process.pid, mountpoint: cfg.mount.mountpoint }));
      let stopping = false;
      const stop = async (sig: string) => {
        if (stopping) return;
        stopping = true;
        await mount.stop(sig);
        await vectors.close();
        node.emitter.emit({ kind: 'system', op: 'stop', key: cfg.node, payload: systemPayload({ type: 'stop', message: `vexfs mount stopped (${sig})` }) });
        await node.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      await mount.closed;
    }));

  program.command('process')
    .description('run the stream processors: read the journal (embedded) or the Kafka topics in a consumer group (broker mode); write events and window stats, anomalies and patterns to ClickHouse (and vexfs.semantic.v1 in broker mode)')
    .option('--group <id>', 'Kafka consumer group (config kafka.groupId)')
    .option('--sink <where>', "clickhouse (events and results into the store, plus the semantic topic in broker mode) or kafka (results to vexfs.semantic.v1 only; run `vexfs sink` for the store)", 'clickhouse')
    .option('--ready-file <file>', 'touch this file once running')
    .action(action(async (o: { group?: string; readyFile?: string; sink: string }) => {
      const cfg = configFrom(g(), { 'kafka.groupId': o.group });
      const log = say('process');
      if (o.sink !== 'clickhouse' && o.sink !== 'kafka') throw new VexfsError(ErrorCodes.CONFIG_INVALID, `--sink ${JSON.stringify(o.sink)} is invalid: expected clickhouse or kafka`);
      if (o.sink === 'kafka' && !cfg.brokerMode) throw new VexfsError(ErrorCodes.CONFIG_INVALID, '--sink kafka needs broker mode: set KAFKA_BROKERS');
      if (cfg.brokerMode) await ensureTopics(cfg);
      const sink = o.sink === 'kafka'
        ? createSemanticTopicSink({ brokers: cfg.kafka.brokers, topic: `${cfg.kafka.topicPrefix}.semantic.v1`, partitions: cfg.kafka.partitions })
        : createAnalyticsSink(cfg).sink;
      const handle = runProcessor({
        forwardEvents: o.sink === 'clickhouse',
        source: cfg.brokerMode
          ? { kind: 'kafka', brokers: cfg.kafka.brokers, groupId: cfg.kafka.groupId, topicPrefix: cfg.kafka.topicPrefix }
          : { kind: 'journal', log: journalReader(journalDir(cfg)), checkpointPath: join(cfg.dataDir, 'processor', 'checkpoint.json'), follow: true },
        sink, processors: processorOptions(cfg), node: `${cfg.node}-processor`,
      });
      log(`processing ${cfg.brokerMode ? `Kafka ${cfg.kafka.brokers.join(',')} as group ${cfg.kafka.groupId}` : `journal ${journalDir(cfg)}`} into ${cfg.clickhouse.url || 'chDB'}`);
      if (o.readyFile) (await import('node:fs')).writeFileSync(o.readyFile, JSON.stringify({ pid: process.pid }));
      const stop = async () => { const s = await handle.stop(); await sink.close(); log(`stopped: ${JSON.stringify(s)}`); process.exit(0); };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      const stats = await handle.done;
      await sink.close();
      log(`done: ${JSON.stringify(stats)}`);
    }));
}

function registerSink(program: Command, g: () => GlobalOptions): void {
  program.command('sink')
    .description('broker mode, store tier: consume the event topics and vexfs.semantic.v1 in a consumer group and write them to ClickHouse, committing offsets after each acknowledged batch (pair with `vexfs process --sink kafka`)')
    .option('--group <id>', 'Kafka consumer group', 'vexfs-sink')
    .option('--ready-file <file>', 'touch this file once running')
    .action(action(async (o: { group: string; readyFile?: string }) => {
      const cfg = configFrom(g());
      const log = say('sink');
      if (!cfg.brokerMode) throw new VexfsError(ErrorCodes.CONFIG_INVALID, 'vexfs sink reads Kafka: set KAFKA_BROKERS (embedded mode needs no separate sink: `vexfs up` or `vexfs process` write the store)');
      await ensureTopics(cfg);
      const { clickhouse } = createAnalyticsSink(cfg);
      const topics = ['fs', 'vector', 'system', 'semantic'].map((k) => `${cfg.kafka.topicPrefix}.${k}.v1`);
      const handle = runProcessor({
        source: { kind: 'kafka', brokers: cfg.kafka.brokers, groupId: o.group, topicPrefix: cfg.kafka.topicPrefix, topics },
        sink: clickhouse, analyse: false, node: `${cfg.node}-sink`,
      });
      log(`writing ${topics.join(', ')} into ${cfg.clickhouse.url || 'chDB'} as group ${o.group}`);
      if (o.readyFile) (await import('node:fs')).writeFileSync(o.readyFile, JSON.stringify({ pid: process.pid }));
      const stop = async () => { const s = await handle.stop(); await clickhouse.close(); log(`stopped: ${JSON.stringify(s)}`); process.exit(0); };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      await handle.done;
      await clickhouse.close();
    }));
}

/** A read-only EventLog over a journal another process appends to (for a separate `vexfs process`). */
function journalReader(dir: string): EventLog {
  return {
    name: `journal-reader:${dir}`,
    strict: false,
    tail: () => ({ seq: 0, hash: ZERO_HASH }),
    append: () => { throw new Error('read-only journal view'); },
    flush: async () => {},
    read: (ro) => readJournal(dir, ro),
    close: async () => {},
  };
}
