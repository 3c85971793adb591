-- Semantic results as views over semantic_events (FINAL: never count a retried copy).

CREATE VIEW IF NOT EXISTS {db}.anomalies AS
SELECT id, node, ts, ts_us, anomaly_type, severity, score, dimension, group_key,
       window_start, window_end, top_paths, evidence
FROM {db}.semantic_events FINAL
WHERE type = 'anomaly';

CREATE VIEW IF NOT EXISTS {db}.window_stats AS
SELECT id, node, ts, ts_us, dimension, group_key, window_start, window_end, count, errors, bytes, rate,
       latency_p50_us, latency_p95_us, latency_p99_us
FROM {db}.semantic_events FINAL
WHERE type = 'window';

CREATE VIEW IF NOT EXISTS {db}.patterns AS
SELECT id, node, ts, ts_us, dimension, group_key, sequence, count, support, score, top_paths, window_start, window_end
FROM {db}.semantic_events FINAL
WHERE type = 'pattern';
