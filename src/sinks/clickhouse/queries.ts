/**
 * Ready-made SQL for analysts (docs/sql.md is generated from this list, and
 * test/integration/sinks-sql.test.ts runs every query on chDB and on the 18.16 server).
 * Raw tables are read with FINAL so a retried batch is never counted twice; rollups use
 * the -Merge combinators. Names are unqualified: `vexfs sql` runs in the VexFS database.
 * `{path}` is a placeholder for a path literal.
 */
export interface ReadyQuery {
  name: string;
  title: string;
  sql: string;
}

export const READY_QUERIES: readonly ReadyQuery[] = [
  {
    name: 'top_paths',
    title: 'Top paths by operations in the last 24 hours',
    sql: `SELECT path, count() AS ops, countIf(errno != 0) AS errors,
       sum(if(op IN ('read', 'write') AND result > 0, result, 0)) AS bytes
FROM fs_events FINAL
WHERE ts >= now() - INTERVAL 1 DAY
GROUP BY path
ORDER BY ops DESC, path
LIMIT 20`,
  },
  {
    name: 'op_mix',
    title: 'Operation mix in the last hour (per-minute rollup)',
    sql: `SELECT op, countMerge(ops) AS n, countIfMerge(errors) AS errors,
       round(100 * n / (SELECT countMerge(ops) FROM fs_ops_1m WHERE minute >= now() - INTERVAL 1 HOUR), 2) AS pct
FROM fs_ops_1m
WHERE minute >= now() - INTERVAL 1 HOUR
GROUP BY op
ORDER BY n DESC, op`,
  },
  {
    name: 'latency_by_op',
    title: 'Latency p50 / p95 / p99 by operation in the last hour, microseconds (per-minute rollup)',
    sql: `SELECT op, countMerge(ops) AS n,
       quantilesTDigestMerge(0.5, 0.95, 0.99)(latency) AS q,
       round(q[1]) AS p50_us, round(q[2]) AS p95_us, round(q[3]) AS p99_us
FROM fs_ops_1m
WHERE minute >= now() - INTERVAL 1 HOUR
GROUP BY op
ORDER BY p99_us DESC, op`,
  },
  {
    name: 'anomalies_over_time',
    title: 'Anomalies per hour by type and severity, last 7 days (per-minute rollup)',
    sql: `SELECT toStartOfHour(minute) AS hour, anomaly_type, severity, countMerge(n) AS anomalies
FROM anomalies_1m
WHERE minute >= now() - INTERVAL 7 DAY
GROUP BY hour, anomaly_type, severity
ORDER BY hour, anomalies DESC, anomaly_type`,
  },
  {
    name: 'recent_anomalies',
    title: 'The 50 latest anomalies with their evidence',
    sql: `SELECT ts, anomaly_type, severity, round(score, 2) AS score, dimension, group_key, top_paths, evidence
FROM anomalies
ORDER BY ts DESC
LIMIT 50`,
  },
  {
    name: 'who_touched_path',
    title: 'Who touched a path: users and processes, their operations, first and last time',
    sql: `SELECT uid, pid, count() AS ops, groupUniqArray(op) AS what, min(ts) AS first, max(ts) AS last
FROM fs_events FINAL
WHERE path = {path} OR path2 = {path}
GROUP BY uid, pid
ORDER BY ops DESC, uid, pid`,
  },
  {
    name: 'path_history',
    title: 'A path\'s history, newest first',
    sql: `SELECT ts, node, op, uid, pid, errno, size, result, path2
FROM fs_events FINAL
WHERE path = {path} OR path2 = {path}
ORDER BY ts DESC, seq DESC
LIMIT 100`,
  },
  {
    name: 'vector_latency',
    title: 'Vector operations by collection: count, errors and p99 latency, last hour (rollup)',
    sql: `SELECT collection, op, countMerge(ops) AS n, countIfMerge(errors) AS errors,
       round(quantilesTDigestMerge(0.5, 0.95, 0.99)(latency)[3]) AS p99_us
FROM vector_ops_1m
WHERE minute >= now() - INTERVAL 1 HOUR
GROUP BY collection, op
ORDER BY n DESC, collection, op`,
  },
];

/** A ready query by name, with `{path}` bound to a quoted literal. */
export function readyQuery(name: string, params: { path?: string } = {}): string {
  const q = READY_QUERIES.find((r) => r.name === name);
  if (!q) throw new Error(`no ready query '${name}' (known: ${READY_QUERIES.map((r) => r.name).join(', ')})`);
  const lit = `'${(params.path ?? '/').replace(/[\\']/g, '\\$&')}'`;
  return q.sql.replaceAll('{path}', lit);
}
