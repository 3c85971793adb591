import client from 'prom-client';

/**
 * The one prom-client registry of a VexFS process and every metric it exports.
 * Components import the metric they update from here, so names stay in one place and
 * the Grafana/alert-rule tests can check against this list. Names follow seed 000.
 */
export const registry = new client.Registry();
registry.setDefaultLabels({});

const latencyBuckets = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1];

export const metrics = {
  fuseOps: new client.Counter({ name: 'vexfs_fuse_ops_total', help: 'FUSE operations served, by op and result (ok or the errno name)', labelNames: ['op', 'result'] as const, registers: [registry] }),
  fuseOpDuration: new client.Histogram({ name: 'vexfs_fuse_op_duration_seconds', help: 'Time to serve one FUSE operation', labelNames: ['op'] as const, buckets: latencyBuckets, registers: [registry] }),
  vectorOps: new client.Counter({ name: 'vexfs_vector_ops_total', help: 'Vector operations, by op and result', labelNames: ['op', 'result'] as const, registers: [registry] }),
  vectorSearchDuration: new client.Histogram({ name: 'vexfs_vector_search_duration_seconds', help: 'Time to answer one vector search', labelNames: ['collection'] as const, buckets: latencyBuckets, registers: [registry] }),
  eventsEmitted: new client.Counter({ name: 'vexfs_events_emitted_total', help: 'Events appended to the event log, by kind', labelNames: ['kind'] as const, registers: [registry] }),
  journalUnshipped: new client.Gauge({ name: 'vexfs_journal_unshipped_events', help: 'Events in the journal not yet acknowledged by Kafka', registers: [registry] }),
  journalTornTails: new client.Counter({ name: 'vexfs_journal_torn_tail_total', help: 'Torn journal tails detected and truncated at start', registers: [registry] }),
  journalSegments: new client.Gauge({ name: 'vexfs_journal_segments', help: 'Journal segment files on disk', registers: [registry] }),
  shipperErrors: new client.Counter({ name: 'vexfs_shipper_errors_total', help: 'Failed attempts to ship journal events to Kafka', registers: [registry] }),
  poolHitRatio: new client.Gauge({ name: 'vexfs_pool_hit_ratio', help: 'Buffer pool hit ratio by tier', labelNames: ['tier'] as const, registers: [registry] }),
  poolExhausted: new client.Counter({ name: 'vexfs_pool_exhausted_total', help: 'Buffer pool requests that found the tier empty', labelNames: ['tier'] as const, registers: [registry] }),
  memoryPoolHitRate: new client.Gauge({ name: 'vexfs_memory_pool_hit_rate', help: 'Overall buffer pool hit rate (seed 000 name)', registers: [registry] }),
  simdEnabled: new client.Gauge({ name: 'vexfs_simd_acceleration_enabled', help: '1 when SIMD distance kernels are in use (seed 000 name)', labelNames: ['isa'] as const, registers: [registry] }),
  anomalies: new client.Counter({ name: 'vexfs_anomalies_total', help: 'Anomalies raised by the detectors', labelNames: ['type', 'severity'] as const, registers: [registry] }),
  processedEvents: new client.Counter({ name: 'vexfs_processor_events_total', help: 'Events read by the stream processors', registers: [registry] }),
  deadLetters: new client.Counter({ name: 'vexfs_dead_letters_total', help: 'Records sent to the dead-letter destination, by stage and reason', labelNames: ['stage', 'reason'] as const, registers: [registry] }),
  bridgeLatency: new client.Histogram({ name: 'vexfs_bridge_batch_latency_seconds', help: 'Time an event waits in a bridge lane before its batch is flushed', labelNames: ['lane'] as const, buckets: latencyBuckets, registers: [registry] }),
  bridgeQueued: new client.Gauge({ name: 'vexfs_bridge_queued_events', help: 'Events waiting in a bridge lane', labelNames: ['lane'] as const, registers: [registry] }),
  sinkRows: new client.Counter({ name: 'vexfs_sink_rows_total', help: 'Rows acknowledged by the analytics store, by table', labelNames: ['table'] as const, registers: [registry] }),
  sinkErrors: new client.Counter({ name: 'vexfs_sink_errors_total', help: 'Failed sink writes, by retriable', labelNames: ['retriable'] as const, registers: [registry] }),
  sinkLag: new client.Gauge({ name: 'vexfs_sink_lag_seconds', help: 'Age of the newest event acknowledged by the sink when acknowledged', registers: [registry] }),
};

client.collectDefaultMetrics({ register: registry, prefix: 'vexfs_process_' });

/** Sink metrics beyond the seed set (added with the ClickHouse sink). */
export const sinkMetrics = {
  retries: new client.Counter({ name: 'vexfs_sink_retries_total', help: 'Sink insert attempts retried after a transient store failure', labelNames: ['sink'] as const, registers: [registry] }),
  batchDuration: new client.Histogram({ name: 'vexfs_sink_batch_duration_seconds', help: 'Time from write() to the store acknowledging a batch, retries included', labelNames: ['sink'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] }),
  duplicateBatches: new client.Counter({ name: 'vexfs_sink_duplicate_batches_total', help: 'Batches skipped because their position token was already acknowledged', labelNames: ['sink'] as const, registers: [registry] }),
  resentRows: new client.Counter({ name: 'vexfs_sink_resent_rows_total', help: 'Rows of batches re-sent after a restart that the store already held, so were not inserted again', labelNames: ['sink'] as const, registers: [registry] }),
  restoredRows: new client.Counter({ name: 'vexfs_sink_restored_rows_total', help: 'Rows of the batch in flight at a crash that the embedded store dropped under their logged token, added again after a restart', labelNames: ['sink'] as const, registers: [registry] }),
  up: new client.Gauge({ name: 'vexfs_sink_up', help: '1 while the last sink write or healthcheck reached the store, 0 while it fails', labelNames: ['sink'] as const, registers: [registry] }),
  published: new client.Counter({ name: 'vexfs_semantic_published_total', help: 'Semantic results produced to the semantic topic, by type', labelNames: ['type'] as const, registers: [registry] }),
};
