-- Event tables, one per kind (old dialect: ClickHouse 18.16 .. 22.1, e.g. Debian's package).
-- No DateTime64 (ts is seconds; ts_us keeps the microseconds), no LowCardinality, no
-- insert_deduplication_token: ReplacingMergeTree keyed (through ORDER BY) by columns that
-- are functions of the event plus its id makes a retried batch collapse; the documented
-- queries read with FINAL so duplicates not yet merged are never counted.

CREATE TABLE IF NOT EXISTS {db}.fs_events (
  id UUID,
  node String,
  seq UInt64,
  ts_us UInt64,
  ts DateTime DEFAULT toDateTime(intDiv(ts_us, 1000000)),
  op String,
  priority String,
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
ORDER BY (path, ts, id);

CREATE TABLE IF NOT EXISTS {db}.vector_events (
  id UUID,
  node String,
  seq UInt64,
  ts_us UInt64,
  ts DateTime DEFAULT toDateTime(intDiv(ts_us, 1000000)),
  op String,
  priority String,
  collection String,
  ids Array(String),
  dim UInt32,
  metric String,
  n_vectors UInt32,
  k UInt32,
  ef UInt32,
  result_ids Array(String),
  distances Array(Float32),
  params String,
  latency_us UInt32,
  error_code String,
  error_message String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (collection, ts, id);

CREATE TABLE IF NOT EXISTS {db}.semantic_events (
  id UUID,
  node String,
  seq UInt64,
  ts_us UInt64,
  ts DateTime DEFAULT toDateTime(intDiv(ts_us, 1000000)),
  op String,
  priority String,
  type String,
  dimension String,
  group_key String,
  window_start_us UInt64,
  window_end_us UInt64,
  window_start DateTime DEFAULT toDateTime(intDiv(window_start_us, 1000000)),
  window_end DateTime DEFAULT toDateTime(intDiv(window_end_us, 1000000)),
  count UInt64,
  errors UInt64,
  bytes UInt64,
  rate Float64,
  latency_p50_us Float64,
  latency_p95_us Float64,
  latency_p99_us Float64,
  anomaly_type String,
  severity String,
  score Float64,
  support Float64,
  sequence Array(String),
  top_paths Array(String),
  evidence String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (type, ts, id);

CREATE TABLE IF NOT EXISTS {db}.system_events (
  id UUID,
  node String,
  seq UInt64,
  ts_us UInt64,
  ts DateTime DEFAULT toDateTime(intDiv(ts_us, 1000000)),
  op String,
  priority String,
  type String,
  message String,
  attrs String,
  checkpoint_seq UInt64
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (type, ts, id);

-- Batch ledger: the position token of every acknowledged batch. Without
-- insert_deduplication_token this is how a retried batch is skipped before it reaches the
-- materialized views (which would otherwise count it twice).
CREATE TABLE IF NOT EXISTS {db}.sink_batches (
  token String,
  rows UInt64,
  at DateTime DEFAULT now()
) ENGINE = ReplacingMergeTree
ORDER BY token;
