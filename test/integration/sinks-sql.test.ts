import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClickhouseSink, type ClickhouseSink } from '../../src/sinks/clickhouse/clickhouse-sink.js';
import { READY_QUERIES, readyQuery } from '../../src/sinks/clickhouse/queries.js';
import { runSql } from '../../src/sinks/clickhouse/run-sql.js';
import type { FsPayload, SemanticPayload, VectorPayload, VexEvent } from '../../src/events/types.js';
import { makeEvents, randomDb, testClickhouseUrl, testDataDir } from '../support/clickhouse.js';

/** Every ready-made query of docs/sql.md, run on both stores against known data. */

let url = '';
let stopServer: () => Promise<void> = async () => {};
before(async () => { const s = await testClickhouseUrl(); url = s.url; stopServer = s.stop; });
after(async () => { await stopServer(); });

type Row = Record<string, unknown>;
const countBy = <T>(xs: T[], key: (x: T) => string) => xs.reduce((m, x) => m.set(key(x), (m.get(key(x)) ?? 0) + 1), new Map<string, number>());

for (const mode of ['chdb', 'server'] as const) {
  describe(`ready-made SQL on ${mode}`, () => {
    const database = randomDb('vexfs_sql');
    const cfg = () => (mode === 'chdb' ? { dataDir: testDataDir(), database } : { url, database });
    let sink: ClickhouseSink;
    const events: VexEvent[] = makeEvents(`sql-${mode}`, 0, 1000, 'n1', (Date.now() - 20 * 60_000) * 1000);
    const fs = events.filter((e) => e.kind === 'fs') as VexEvent<'fs'>[];
    const sql = async (q: string): Promise<Row[]> => JSON.parse(await runSql(q, { format: 'json' }, cfg()));

    before(async () => {
      sink = createClickhouseSink(cfg());
      for (let i = 0; i < events.length; i += 250) {
        const b = { lane: 'normal' as const, events: events.slice(i, i + 250), position: { kind: 'journal' as const, token: `journal:n1:${i + 1}-${i + 250}` } };
        await sink.write(b);
        await sink.write(b); // a retried batch: the queries must not see it twice
      }
    });
    after(async () => { await sink.close(); });

    test('every ready query runs', async () => {
      for (const q of READY_QUERIES) {
        const rows = await sql(readyQuery(q.name, { path: '/d1/f1.txt' }));
        assert.ok(rows.length > 0, `${q.name} returned no rows`);
      }
    });

    test('top paths', async () => {
      const rows = await sql(readyQuery('top_paths'));
      const byPath = countBy(fs, (e) => (e.payload as FsPayload).path);
      const expected = [...byPath].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 20);
      assert.deepEqual(rows.map((r) => [r.path, Number(r.ops)]), expected);
    });

    test('op mix', async () => {
      const rows = await sql(readyQuery('op_mix'));
      const byOp = countBy(fs, (e) => e.op);
      assert.deepEqual(new Map(rows.map((r) => [String(r.op), Number(r.n)])), byOp);
      const errs = countBy(fs.filter((e) => (e.payload as FsPayload).errno !== 0), (e) => e.op);
      for (const r of rows) assert.equal(Number(r.errors), errs.get(String(r.op)) ?? 0);
      assert.ok(Math.abs(rows.reduce((a, r) => a + Number(r.pct), 0) - 100) < 0.1);
    });

    test('latency p99 by op', async () => {
      const rows = await sql(readyQuery('latency_by_op'));
      for (const r of rows) {
        const lat = fs.filter((e) => e.op === r.op).map((e) => (e.payload as FsPayload).latencyUs).sort((a, b) => a - b);
        const exact = lat[Math.ceil(0.99 * lat.length) - 1]!;
        assert.equal(Number(r.n), lat.length);
        assert.ok(Math.abs(Number(r.p99_us) - exact) <= 0.05 * exact + 3, `${r.op}: p99 ${r.p99_us} vs exact ${exact}`);
        assert.ok(Number(r.p50_us) <= Number(r.p95_us) && Number(r.p95_us) <= Number(r.p99_us));
      }
    });

    test('anomalies over time and the latest anomalies', async () => {
      const anomalies = events.filter((e) => e.op === 'anomaly');
      const rows = await sql(readyQuery('anomalies_over_time'));
      assert.equal(rows.reduce((a, r) => a + Number(r.anomalies), 0), anomalies.length);
      const bySeverity = countBy(anomalies, (e) => String((e.payload as SemanticPayload).severity));
      for (const [sev, n] of bySeverity) assert.equal(rows.filter((r) => r.severity === sev).reduce((a, r) => a + Number(r.anomalies), 0), n);
      const recent = await sql(readyQuery('recent_anomalies'));
      assert.equal(recent.length, Math.min(50, anomalies.length));
      assert.equal(recent[0]!.anomaly_type, 'latency_spike');
    });

    test('who touched a path, and its history', async () => {
      const path = '/d1/f1.txt';
      const touched = fs.filter((e) => (e.payload as FsPayload).path === path);
      assert.ok(touched.length > 0);
      const rows = await sql(readyQuery('who_touched_path', { path }));
      assert.equal(rows.reduce((a, r) => a + Number(r.ops), 0), touched.length);
      assert.deepEqual(new Set(rows.map((r) => `${r.uid}/${r.pid}`)), new Set(touched.map((e) => `${(e.payload as FsPayload).uid}/${(e.payload as FsPayload).pid}`)));
      const hist = await sql(readyQuery('path_history', { path }));
      assert.equal(hist.length, Math.min(100, touched.length));
      assert.equal(hist[0]!.op, touched[touched.length - 1]!.op);
    });

    test('vector latency by collection', async () => {
      const vec = events.filter((e) => e.kind === 'vector');
      const rows = await sql(readyQuery('vector_latency'));
      assert.deepEqual(new Map(rows.map((r) => [`${r.collection}/${r.op}`, Number(r.n)])), countBy(vec, (e) => `${(e.payload as VectorPayload).collection}/${e.op}`));
    });

    test('every Grafana ClickHouse panel query runs', async () => {
      const dir = fileURLToPath(new URL('../../infra/grafana/dashboards/', import.meta.url));
      let n = 0;
      for (const f of readdirSync(dir)) {
        const dash = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { panels: { title: string; targets: { rawSql?: string }[] }[] };
        for (const p of dash.panels) for (const t of p.targets) {
          if (!t.rawSql) continue;
          const q = t.rawSql.replaceAll('$__fromTime', 'now() - INTERVAL 1 HOUR').replaceAll('$__toTime', 'now()').replaceAll('vexfs.', '');
          await assert.doesNotReject(runSql(q, { format: 'json' }, cfg()), `${f} / ${p.title}`);
          n++;
        }
      }
      assert.ok(n >= 8);
    });

    test('table and CSV output', async () => {
      const table = await runSql('SELECT op, count() AS n FROM fs_events FINAL GROUP BY op ORDER BY op', { format: 'table' }, cfg());
      assert.match(table, /op.*n/);
      assert.match(table, /getattr/);
      const csv = await runSql('SELECT op, count() AS n FROM fs_events FINAL GROUP BY op ORDER BY op;', { format: 'csv' }, cfg());
      const lines = csv.trim().split('\n');
      assert.equal(lines[0], '"op","n"');
      assert.equal(lines.length, 1 + new Set(fs.map((e) => e.op)).size);
      await assert.rejects(runSql('SELECT nope FROM fs_events', {}, cfg()), /VEXFS_STORE_REJECTED|rejected/);
    });
  });
}
