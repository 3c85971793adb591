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
import { action, configFrom, type GlobalOptions } from '../context.js';
import { createAnalyticsSink, journalDir, openNodeLog, processorOptions } from '../compose.js';

const say = (role: string) => (msg: string) => process.stderr.write(`vexfs ${role}: ${msg}\n`);

/** `vexfs mount` and `vexfs process`: the roles of a scaled-out deployment, each its own process. */
export function register(program: Command): void {
  const g = () => program.opts<GlobalOptions>();

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
    .description('run the stream processors: read the journal (embedded) or the Kafka topics in a consumer group (broker mode), write window stats, anomalies and patterns to ClickHouse (and vexfs.semantic.v1 in broker mode)')
    .option('--group <id>', 'Kafka consumer group (config kafka.groupId)')
    .option('--ready-file <file>', 'touch this file once running')
    .action(action(async (o: { group?: string; readyFile?: string }) => {
      const cfg = configFrom(g(), { 'kafka.groupId': o.group });
      const log = say('process');
      const { sink } = createAnalyticsSink(cfg);
      const handle = runProcessor({
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
