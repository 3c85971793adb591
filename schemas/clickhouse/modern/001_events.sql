-- Event tables, one per kind (modern dialect: chDB and ClickHouse >= 22.2).
-- ReplacingMergeTree keyed (through ORDER BY) by columns that are functions of the event
-- plus its id, so two copies of one event collapse on merge and under FINAL; inserts also
-- carry insert_deduplication_token, which drops a retried batch before it is written.
-- Partitioned by month; ORDER BY serves "who touched a path" / per-collection / per-type scans.

CREATE TABLE IF NOT EXISTS {db}.fs_events (
  id UUID,
  node LowCardinality(String),
  seq UInt64,
  ts_us UInt64,
  ts DateTime64(6, 'UTC') DEFAULT fromUnixTimestamp64Micro(toInt64(ts_us), 'UTC'),
  op LowCardinality(String),
  priority LowCardinality(String),
  path String,
  path2 String,
  ino UInt64,
  fd Int32,
  offset Int64,
  size Int64,
  result Int64,
  errno Int32,
  latency_us UInt32,
  mode Int32,
  uid Int32,
  gid Int32,
  pid Int32,
  xattr_name String,
  content_hash String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (path, ts, id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.vector_events (
  id UUID,
  node LowCardinality(String),
  seq UInt64,
  ts_us UInt64,
  ts DateTime64(6, 'UTC') DEFAULT fromUnixTimestamp64Micro(toInt64(ts_us), 'UTC'),
  op LowCardinality(String),
  priority LowCardinality(String),
  collection LowCardinality(String),
  ids Array(String),
  dim UInt32,
  metric LowCardinality(String),
  n_vectors UInt32,
  k UInt32,
  ef UInt32,
  result_ids Array(String),
  distances Array(Float32),
  params String,
  latency_us UInt32,
  error_code LowCardinality(String),
  error_message String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (collection, ts, id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.semantic_events (
  id UUID,
  node LowCardinality(String),
  seq UInt64,
  ts_us UInt64,
  ts DateTime64(6, 'UTC') DEFAULT fromUnixTimestamp64Micro(toInt64(ts_us), 'UTC'),
  op LowCardinality(String),
  priority LowCardinality(String),
  type LowCardinality(String),
  dimension LowCardinality(String),
  group_key String,
  window_start_us UInt64,
  window_end_us UInt64,
  window_start DateTime64(6, 'UTC') DEFAULT fromUnixTimestamp64Micro(toInt64(window_start_us), 'UTC'),
  window_end DateTime64(6, 'UTC') DEFAULT fromUnixTimestamp64Micro(toInt64(window_end_us), 'UTC'),
  count UInt64,
  errors UInt64,
  bytes UInt64,
  rate Float64,
  latency_p50_us Float64,
  latency_p95_us Float64,
  latency_p99_us Float64,
  anomaly_type LowCardinality(String),
  severity LowCardinality(String),
  score Float64,
  support Float64,
  sequence Array(String),
  top_paths Array(String),
  evidence String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (type, ts, id)
SETTINGS non_replicated_deduplication_window = 10000;

CREATE TABLE IF NOT EXISTS {db}.system_events (
  id UUID,
  node LowCardinality(String),
  seq UInt64,
  ts_us UInt64,
  ts DateTime64(6, 'UTC') DEFAULT fromUnixTimestamp64Micro(toInt64(ts_us), 'UTC'),
  op LowCardinality(String),
  priority LowCardinality(String),
  type LowCardinality(String),
  message String,
  attrs String,
  checkpoint_seq UInt64
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (type, ts, id)
SETTINGS non_replicated_deduplication_window = 10000;
