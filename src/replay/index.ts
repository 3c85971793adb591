/** The replay entry point the CLI calls (`vexfs replay`), and the pieces for programmatic rebuilds. */
import { ErrorCodes, VexfsError } from '../errors.js';
import type { LoggedEvent } from '../log/event-log.js';
import { createVectorStore } from '../producers/vector/vector-store.js';
import { createClickhouseSink, type ClickhouseSinkOptions } from '../sinks/clickhouse/clickhouse-sink.js';
import { toMicros } from '../audit/queries.js';
import { journalRecords, readKafkaRangeEvents, type KafkaRangeOptions } from './sources.js';
import type { RecordBatch } from '../audit/verify.js';
import { replay, type ReplayProgress, type ReplayReport, type ReplayTarget } from './replay.js';
import { catalogTarget, clickhouseTarget, vectorTarget } from './targets.js';
import type { FileCatalog } from './file-catalog.js';

export { replay, type ReplayTarget, type ReplayOptions, type ReplayReport, type ReplayProgress } from './replay.js';
export { catalogTarget, vectorTarget, clickhouseTarget, vectorStateHash, storeView, serviceView } from './targets.js';
export { createFileCatalog, type FileCatalog, type CatalogEntry } from './file-catalog.js';
export { journalEvents, journalEventsRaw, journalBytes, journalRecords, readKafkaRangeBytes, readKafkaRangeEvents, type KafkaRangeOptions } from './sources.js';
export { directoryStateHash } from './directory-state.js';

/** Options of `runReplay` (`vexfs replay`). */
export interface RunReplayOptions {
  /** Source: a journal directory, or a Kafka range (exactly one). */
  journalDir?: string;
  kafka?: KafkaRangeOptions;
  /** What to rebuild: 'catalog' (default), 'vector' (a fresh in-memory vector store), 'clickhouse' (backfill through the sink). */
  into?: 'catalog' | 'vector' | 'clickhouse';
  /** Start at this seq (journal) / stop after toSeq. */
  fromSeq?: number;
  toSeq?: number;
  /** Start / stop at these times (ISO-8601 or µs since the epoch). Kafka: use kafka.fromTimeMs to skip reading earlier messages. */
  from?: string | number;
  to?: string | number;
  /** Read and count only; default false. */
  dryRun?: boolean;
  /** For into = 'clickhouse': the sink's options (url empty = embedded chDB in dataDir). */
  clickhouse?: ClickhouseSinkOptions;
  /** Events per ClickHouse insert (aligned on seq windows so a second replay dedups); default 10,000. */
  clickhouseBatch?: number;
  onProgress?: (p: ReplayProgress) => void;
}

/** `vexfs replay`: the report carries the rebuilt state's hash; the catalog or store is returned for queries. */
export async function runReplay(o: RunReplayOptions): Promise<ReplayReport & { catalog?: FileCatalog }> {
  if ((o.journalDir === undefined) === (o.kafka === undefined)) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, 'give exactly one replay source: journalDir or kafka');
  const into = o.into ?? 'catalog';
  let source: AsyncIterable<LoggedEvent[] | RecordBatch>;
  // raw records: only the events the target uses are decoded (docs/benchmarks/replay.md)
  if (o.journalDir) source = journalRecords(o.journalDir, { tolerateTail: true, ...(o.fromSeq !== undefined ? { fromSeq: o.fromSeq } : {}) });
  else { const r = await readKafkaRangeEvents(o.kafka!); source = r.batches(); }
  let target: ReplayTarget & { catalog?: FileCatalog };
  let close: (() => Promise<void>) | null = null;
  if (into === 'catalog') target = catalogTarget();
  else if (into === 'vector') target = vectorTarget(createVectorStore());
  else if (into === 'clickhouse') {
    const sink = createClickhouseSink(o.clickhouse ?? {});
    close = () => sink.close();
    target = clickhouseTarget(sink, { ...(o.clickhouseBatch ? { batchSize: o.clickhouseBatch } : {}) });
  } else throw new VexfsError(ErrorCodes.CONFIG_INVALID, `replay option into = ${JSON.stringify(into)} is invalid: expected catalog, vector or clickhouse`, { context: { key: 'into', value: into } });
  try {
    const report = await replay(source, [target], {
      ...(o.fromSeq !== undefined ? { fromSeq: o.fromSeq } : {}), ...(o.toSeq !== undefined ? { toSeq: o.toSeq } : {}),
      ...(o.from !== undefined ? { fromTs: toMicros(o.from) } : {}), ...(o.to !== undefined ? { toTs: toMicros(o.to) } : {}),
      ...(o.dryRun ? { dryRun: true } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    return target.catalog ? { ...report, catalog: target.catalog } : report;
  } finally {
    await close?.();
  }
}
