-- Per-minute rollups filled by materialized views at insert time. Read them with the
-- -Merge combinators (countMerge(ops), quantilesTDigestMerge(0.5, 0.95, 0.99)(latency)).
-- A batch dropped by its deduplication token is dropped here too
-- (deduplicate_blocks_in_dependent_materialized_views = 1 on every sink insert).

CREATE TABLE IF NOT EXISTS {db}.fs_ops_1m (
  minute DateTime('UTC'),
  op LowCardinality(String),
  ops AggregateFunction(count),
  errors AggregateFunction(countIf, UInt8),
  bytes AggregateFunction(sum, Int64),
  latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, op)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.fs_ops_1m_mv TO {db}.fs_ops_1m AS
SELECT toStartOfMinute(ts) AS minute, op,
       countState() AS ops,
       countIfState(errno != 0) AS errors,
       sumState(toInt64(if(op IN ('read', 'write') AND result > 0, result, 0))) AS bytes,
       quantilesTDigestState(0.5, 0.95, 0.99)(latency_us) AS latency
FROM {db}.fs_events
GROUP BY minute, op;

CREATE TABLE IF NOT EXISTS {db}.vector_ops_1m (
  minute DateTime('UTC'),
  collection LowCardinality(String),
  op LowCardinality(String),
  ops AggregateFunction(count),
  errors AggregateFunction(countIf, UInt8),
  latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, collection, op)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.vector_ops_1m_mv TO {db}.vector_ops_1m AS
SELECT toStartOfMinute(ts) AS minute, collection, op,
       countState() AS ops,
       countIfState(error_code != '') AS errors,
       quantilesTDigestState(0.5, 0.95, 0.99)(latency_us) AS latency
FROM {db}.vector_events
GROUP BY minute, collection, op;

CREATE TABLE IF NOT EXISTS {db}.anomalies_1m (
  minute DateTime('UTC'),
  anomaly_type LowCardinality(String),
  severity LowCardinality(String),
  n AggregateFunction(count)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, anomaly_type, severity)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.anomalies_1m_mv TO {db}.anomalies_1m AS
SELECT toStartOfMinute(ts) AS minute, anomaly_type, severity, countState() AS n
FROM {db}.semantic_events
WHERE type = 'anomaly'
GROUP BY minute, anomaly_type, severity;
