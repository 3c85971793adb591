import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { VexfsConfig } from '../../config/config.js';
import { systemPayload } from '../../events/payloads.js';
import { createVectorService, createVectorSemanticHooks, type VectorService } from '../../producers/vector/index.js';
import { runMount, type RunningMount } from '../../producers/fuse/run-mount.js';
import { runProcessor, type ProcessorHandle } from '../../processors/index.js';
import { startApiServer, type RunningApi } from '../../api/index.js';
import { createEventStats } from '../../api/event-stats.js';
import { createAnomalyFeed } from '../../api/anomaly-feed.js';
import { withDurableEvents } from '../../api/durable-vectors.js';
import { observedSink } from '../../sinks/fanout-sink.js';
import { metrics } from '../../metrics/registry.js';
import { hashEmbedding } from '../../demo/hash-embedding.js';
import { action, configFrom, type GlobalOptions } from '../context.js';
import { color } from '../output.js';
import { createAnalyticsSink, journalDir, openNodeLog, processorOptions, sqlPort, type NodeLog } from '../compose.js';
import { removeRunInfo, writeRunInfo, type RunInfo } from '../run-file.js';

interface UpOptions { readyFile?: string; mount?: boolean; api?: boolean; apiPort?: string; mountpoint?: string; backing?: string }

/** `vexfs up`: the whole pipeline in one process (the main job of `npm start`). */
export function register(program: Command): void {
  program.command('up')
    .description('run the whole pipeline: mount, vector service, processors, sinks, HTTP API and web page (embedded by default; broker mode with KAFKA_BROKERS / CLICKHOUSE_URL)')
    .option('--mountpoint <dir>', 'mount point (config mount.mountpoint)')
    .option('--backing <dir>', 'backing directory (config mount.backing)')
    .option('--api-port <port>', 'HTTP port (config api.port; 0 = any free port)')
    .option('--no-mount', 'do not serve the FUSE mount')
    .option('--no-api', 'do not serve the HTTP API')
    .option('--ready-file <file>', 'write the run info (JSON) here once everything is serving')
    .action(action(async (o: UpOptions) => {
      const g = program.opts<GlobalOptions>();
      const cfg = configFrom(g, {
        'mount.mountpoint': o.mountpoint, 'mount.backing': o.backing,
        'api.port': o.apiPort === undefined ? undefined : Number(o.apiPort),
        'mount.enabled': o.mount === false ? false : undefined, 'api.enabled': o.api === false ? false : undefined,
      });
      await up(cfg, o.readyFile);
    }));
}

const say = (msg: string) => process.stderr.write(`vexfs: ${msg}\n`);

/** Starts every part, prints where each is, and runs until SIGINT/SIGTERM; then the one shutdown path. */
export async function up(cfg: VexfsConfig, readyFile?: string): Promise<void> {
  mkdirSync(cfg.dataDir, { recursive: true });
  const parts: { node?: NodeLog; vectors?: VectorService; mount?: RunningMount; processor?: ProcessorHandle; api?: RunningApi; closeFeeds?: () => void } = {};
  let stopping: Promise<void> | null = null;
  // The one shutdown path: stop producers → drain processors → flush sinks → commit → disconnect → unmount.
  const shutdown = (reason: string) => (stopping ??= (async () => {
    say(`stopping (${reason})`);
    await parts.api?.close().catch((e: Error) => say(`api: ${e.message}`));
    await parts.mount?.stop(reason).catch((e: Error) => say(`mount: ${e.message}`));
    await parts.vectors?.close().catch((e: Error) => say(`vectors: ${e.message}`));
    parts.node?.emitter.emit({ kind: 'system', op: 'stop', key: cfg.node, payload: systemPayload({ type: 'stop', message: `vexfs up stopped (${reason})` }) });
    await parts.node?.journal.flush();
    await parts.processor?.stop().catch((e: Error) => say(`processors: ${e.message}`));
    parts.closeFeeds?.();
    await parts.node?.close().catch((e: Error) => say(`journal: ${e.message}`));
    removeRunInfo(cfg.dataDir);
    say('stopped');
  })());
  const onSignal = (sig: string) => { void shutdown(sig).then(() => process.exit(0), () => process.exit(1)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const node = (parts.node = await openNodeLog(cfg, say));
    node.emitter.emit({ kind: 'system', op: 'start', key: cfg.node, payload: systemPayload({ type: 'start', message: 'vexfs up', attrs: { pid: String(process.pid), mode: cfg.brokerMode ? 'broker' : 'embedded' } }) });

    const vectors = (parts.vectors = await createVectorService({
      emitter: node.emitter, dataDir: cfg.dataDir, log: node.journal,
      defaultCollection: cfg.vector.defaultCollection, defaultDim: cfg.vector.defaultDim, defaultMetric: cfg.vector.defaultMetric,
    }));

    const { sink, clickhouse } = createAnalyticsSink(cfg);
    const stats = createEventStats(node.hub, {
      backlog: () => ({ journalUnshipped: node.shipper?.unshipped ?? 0 }),
      lags: () => ({}),
    });
    const anomalies = createAnomalyFeed(node.hub);
    parts.closeFeeds = () => { stats.close(); anomalies.close(); };
    // Results of the processors are not journal events of this node: publish them to the live hub once stored.
    const liveSink = observedSink(sink, (batch) => {
      for (const ev of batch.events) if (ev.kind === 'semantic') {
        node.hub.publish(ev);
        if (ev.payload && (ev.payload as { type?: string }).type === 'anomaly') {
          const p = ev.payload as { anomalyType: string | null; severity: string | null };
          metrics.anomalies.inc({ type: p.anomalyType ?? 'unknown', severity: p.severity ?? 'unknown' });
        }
      }
    });
    parts.processor = runProcessor({
      source: { kind: 'journal', log: node.journal, checkpointPath: join(cfg.dataDir, 'processor', 'checkpoint.json'), follow: true },
      sink: liveSink, processors: processorOptions(cfg), node: `${cfg.node}-processor`,
    });
    parts.processor.done.catch((err: Error) => { say(`processors failed: ${err.message}`); void shutdown('processor failure').then(() => process.exit(1)); });

    if (cfg.mount.enabled) {
      mkdirSync(cfg.mount.backing, { recursive: true });
      parts.mount = await runMount({
        backing: cfg.mount.backing, mountpoint: cfg.mount.mountpoint, dataDir: journalDir(cfg), node: cfg.node,
        contentHash: cfg.mount.contentHash, attrTimeout: cfg.mount.attrTimeout, entryTimeout: cfg.mount.entryTimeout, kernelCache: cfg.mount.kernelCache,
        similarK: cfg.vector.similarK, shared: { log: node.journal, emitter: node.emitter },
        hooks: () => createVectorSemanticHooks(vectors), handleSignals: false, log: (m) => say(`mount: ${m}`),
      });
    }

    let token = Object.keys(cfg.api.tokens)[0] ?? '';
    if (cfg.api.enabled) {
      const tokens = { ...cfg.api.tokens };
      if (!token) { token = randomBytes(16).toString('hex'); tokens[token] = 'admin'; }
      parts.api = await startApiServer({
        // answers wait for the operation's event to be written (and fsynced under the strict policy)
        vectors: withDurableEvents(vectors, () => node.emitter.durable()), events: node.hub, stats, anomalies, sql: sqlPort(clickhouse),
        readiness: [
          { name: 'journal', check: async () => ({ ok: true, detail: `seq ${node.journal.tail().seq}` }) },
          { name: 'analytics', check: () => clickhouse.healthcheck() },
          ...(node.shipper ? [{ name: 'kafka', check: async () => ({ ok: !node.shipper!.brokerDown, detail: `${node.shipper!.unshipped} unshipped` }) }] : []),
        ],
        config: () => cfg,
        embedText: (text, dim) => hashEmbedding(text, dim),
      }, { host: cfg.api.host, port: cfg.api.port, tokens, bodyLimit: cfg.api.bodyLimit });
    }

    const info: RunInfo = {
      pid: process.pid, api: parts.api?.url ?? '', token, mountpoint: parts.mount ? cfg.mount.mountpoint : '', backing: cfg.mount.backing,
      dataDir: cfg.dataDir, mode: cfg.brokerMode ? 'broker' : 'embedded', startedAt: new Date().toISOString(),
    };
    writeRunInfo(info, readyFile);
    const lines = [
      color.bold(`VexFS is up — ${cfg.brokerMode ? `broker mode (Kafka ${cfg.kafka.brokers.join(',')})` : 'embedded mode (journal + chDB)'}, node ${cfg.node}`),
      parts.mount ? `  mount      ${cfg.mount.mountpoint}   (files stored in ${cfg.mount.backing})` : '  mount      off',
      parts.api ? `  web page   ${parts.api.url}/#token=${token}` : '  api        off',
      parts.api ? `  HTTP API   ${parts.api.url}   token ${token} (admin)   OpenAPI ${parts.api.url}/openapi.json` : '',
      parts.api ? `  metrics    ${parts.api.url}/metrics` : '',
      `  journal    ${journalDir(cfg)}   (fsync ${cfg.journal.fsync})`,
      `  analytics  ${cfg.clickhouse.url ? `ClickHouse server ${cfg.clickhouse.url}` : `chDB in ${cfg.dataDir}`}   (database ${cfg.clickhouse.database})`,
      `Try: ./bin/vexfs demo   ·   ./bin/vexfs tail   ·   ./bin/vexfs status   ·   Ctrl-C stops and unmounts.`,
    ].filter(Boolean);
    console.log(lines.join('\n'));
  } catch (err) {
    await shutdown('start failed');
    throw err;
  }
  await new Promise<void>(() => { /* runs until a signal */ });
}
