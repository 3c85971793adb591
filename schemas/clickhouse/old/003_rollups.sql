-- Per-minute rollups filled by materialized views at insert time. Read them with the
-- -Merge combinators (countMerge(ops), quantilesTDigestMerge(0.5, 0.95, 0.99)(latency)).
-- A batch whose token is already in sink_batches is skipped before it reaches these;
-- only a batch retried after a crash between its insert and its ledger row counts twice here.

CREATE TABLE IF NOT EXISTS {db}.fs_ops_1m (
  minute DateTime,
  op String,
  ops AggregateFunction(count),
  errors AggregateFunction(countIf, UInt8),
  bytes AggregateFunction(sum, Int64),
  latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, op);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.fs_ops_1m_mv TO {db}.fs_ops_1m AS
SELECT toStartOfMinute(ts) AS minute, op,
       countState() AS ops,
       countIfState(errno != 0) AS errors,
       sumState(toInt64(if(op IN ('read', 'write') AND result > 0, result, 0))) AS bytes,
       quantilesTDigestState(0.5, 0.95, 0.99)(latency_us) AS latency
FROM {db}.fs_events
GROUP BY minute, op;

CREATE TABLE IF NOT EXISTS {db}.vector_ops_1m (
  minute DateTime,
  collection String,
  op String,
  ops AggregateFunction(count),
  errors AggregateFunction(countIf, UInt8),
  latency AggregateFunction(quantilesTDigest(0.5, 0.95, 0.99), UInt32)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, collection, op);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.vector_ops_1m_mv TO {db}.vector_ops_1m AS
SELECT toStartOfMinute(ts) AS minute, collection, op,
       countState() AS ops,
       countIfState(error_code != '') AS errors,
       quantilesTDigestState(0.5, 0.95, 0.99)(latency_us) AS latency
FROM {db}.vector_events
GROUP BY minute, collection, op;

CREATE TABLE IF NOT EXISTS {db}.anomalies_1m (
  minute DateTime,
  anomaly_type String,
  severity String,
  n AggregateFunction(count)
) ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, anomaly_type, severity);

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.anomalies_1m_mv TO {db}.anomalies_1m AS
SELECT toStartOfMinute(ts) AS minute, anomaly_type, severity, countState() AS n
FROM {db}.semantic_events
WHERE type = 'anomaly'
GROUP BY minute, anomaly_type, severity;
