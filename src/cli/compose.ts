import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { VexfsConfig } from '../config/config.js';
import { createEmitter, type Emitter } from '../events/emitter.js';
import { openJournal, type Journal } from '../log/journal/index.js';
import { createShipper, type Shipper } from '../log/shipper.js';
import { metrics } from '../metrics/registry.js';
import { attachCheckpointer, type CheckpointingEmitter } from '../audit/checkpointer.js';
import { createLiveHub, type LiveHub } from '../api/live-hub.js';
import { createClickhouseSink, type ClickhouseSink } from '../sinks/clickhouse/clickhouse-sink.js';
import { createSemanticTopicSink } from '../sinks/kafka/semantic-topic-sink.js';
import { createFanoutSink } from '../sinks/fanout-sink.js';
import type { Sink } from '../sinks/sink.js';
import type { SqlPort } from '../api/deps.js';
import type { ProcessorOptions } from '../processors/options.js';

/**
 * Builds the parts of a VexFS process from the validated config. Each role (`up`, `mount`,
 * `process`, `sink`) composes the parts it runs; nothing here starts serving by itself.
 */

/** The journal, its emitter (one per node: one seq and hash chain) with signed checkpoints, and the live hub. */
export interface NodeLog {
  journal: Journal;
  emitter: CheckpointingEmitter;
  hub: LiveHub;
  shipper: Shipper | null;
  close(): Promise<void>;
}

export function journalDir(cfg: VexfsConfig): string {
  return join(cfg.dataDir, 'journal');
}

export async function openNodeLog(cfg: VexfsConfig, log: (msg: string) => void): Promise<NodeLog> {
  mkdirSync(cfg.dataDir, { recursive: true });
  const journal = await openJournal({
    dir: journalDir(cfg), fsync: cfg.journal.fsync, lazyIntervalMs: cfg.journal.lazyIntervalMs, segmentBytes: cfg.journal.segmentBytes,
    // Without a broker nothing ships, so retention may delete any segment the processors have passed.
    retention: { maxBytes: cfg.journal.retentionBytes, maxAgeMs: cfg.journal.retentionMs, shippedOnly: cfg.brokerMode },
  });
  const hub = createLiveHub();
  const counters = new Map<string, { inc(): void }>();
  const base: Emitter = createEmitter({
    node: cfg.node, log: journal, validate: false,
    onEmit: (ev) => {
      let c = counters.get(ev.kind);
      if (!c) counters.set(ev.kind, (c = metrics.eventsEmitted.labels(ev.kind)));
      c.inc();
      hub.publish(ev);
    },
  });
  const emitter = attachCheckpointer(base, { every: cfg.audit.checkpointEvery, intervalMs: cfg.audit.checkpointIntervalMs, keyDir: join(cfg.dataDir, 'keys') });
  const shipper = cfg.brokerMode
    ? createShipper({ journal, brokers: cfg.kafka.brokers, clientId: `${cfg.kafka.clientId}-shipper`, topicPrefix: cfg.kafka.topicPrefix, partitions: cfg.kafka.partitions, schemaRegistryUrl: cfg.kafka.schemaRegistryUrl })
    : null;
  let closing: Promise<void> | null = null;
  return {
    journal, emitter, hub, shipper,
    close: () => (closing ??= (async () => {
      emitter.stop();
      await journal.flush();
      if (shipper) {
        await shipper.drain(10_000).catch((err: Error) => log(`shipper: not everything shipped before stop (${err.message}); the rest ships on next start`));
        await shipper.stop();
      }
      await journal.close();
    })()),
  };
}

/** Store settings for the ClickHouse sink and SQL from the config. */
export function storeConfig(cfg: VexfsConfig) {
  return { url: cfg.clickhouse.url, dataDir: cfg.dataDir, database: cfg.clickhouse.database, username: cfg.clickhouse.username, password: cfg.clickhouse.password };
}

/** The analytics sink: ClickHouse, plus the semantic Kafka topic in broker mode. */
export function createAnalyticsSink(cfg: VexfsConfig): { sink: Sink; clickhouse: ClickhouseSink } {
  const clickhouse = createClickhouseSink(storeConfig(cfg));
  const sinks: Sink[] = [clickhouse];
  if (cfg.brokerMode) sinks.push(createSemanticTopicSink({ brokers: cfg.kafka.brokers, topic: `${cfg.kafka.topicPrefix}.semantic.v1`, partitions: cfg.kafka.partitions }));
  return { sink: sinks.length === 1 ? clickhouse : createFanoutSink(sinks), clickhouse };
}

/** Processor options from the config (the seed 003 defaults live in the config schema). */
export function processorOptions(cfg: VexfsConfig): Partial<ProcessorOptions> {
  const p = cfg.processors;
  return {
    windowSize: p.windowSize, historySize: p.historySize, windowMs: p.windowMs, sensitivity: p.sensitivity, contamination: p.contamination,
    anomalyWindow: p.anomalyWindow, minSamples: p.minSamples, batchSize: p.batchSize, flushMs: p.flushMs,
  };
}

/** SQL for the API from the sink's store: ClickHouse JSON output parsed into columns and rows. */
export function sqlPort(clickhouse: ClickhouseSink): SqlPort {
  return async (query, opts) => {
    const store = await clickhouse.ready();
    const text = await store.query(query.trim().replace(/;\s*$/, ''), 'JSON');
    const parsed = JSON.parse(text) as { meta: Array<{ name: string; type: string }>; data: Array<Record<string, unknown>> };
    return { columns: parsed.meta, rows: parsed.data.slice(0, opts.maxRows) };
  };
}

/** Creates the VexFS topics if missing, so consumers can subscribe before the first event was shipped. */
export async function ensureTopics(cfg: VexfsConfig): Promise<string[]> {
  const { Kafka, logLevel } = await import('kafkajs');
  const topics = ['fs', 'vector', 'semantic', 'system', 'deadletter'].map((k) => `${cfg.kafka.topicPrefix}.${k}.v1`);
  const admin = new Kafka({ clientId: `${cfg.kafka.clientId}-admin`, brokers: cfg.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length) await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: cfg.kafka.partitions })), waitForLeaders: true });
    return missing;
  } finally {
    await admin.disconnect();
  }
}
