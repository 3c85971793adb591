import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { registry } from '../../src/metrics/registry.js';

/** Every Grafana panel query names a metric we export, a recording rule, or a table/view we create. */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DASH_DIR = join(ROOT, 'infra/grafana/dashboards');

async function exportedMetrics(): Promise<Set<string>> {
  const out = new Set<string>(['up']);
  for (const m of await registry.getMetricsAsJSON()) {
    out.add(m.name);
    if (String(m.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) out.add(m.name + s);
  }
  for (const m of readFileSync(join(ROOT, 'infra/prometheus/rules/recording.yml'), 'utf8').matchAll(/- record: (\S+)/g)) out.add(m[1]!);
  return out;
}

function schemaTables(): Set<string> {
  const out = new Set<string>();
  for (const dialect of ['modern', 'old']) {
    for (const f of readdirSync(join(ROOT, 'schemas/clickhouse', dialect))) {
      for (const m of readFileSync(join(ROOT, 'schemas/clickhouse', dialect, f), 'utf8').matchAll(/CREATE (?:TABLE|VIEW|MATERIALIZED VIEW) IF NOT EXISTS \{db\}\.(\w+)/g)) out.add(m[1]!);
    }
  }
  return out;
}

interface Target { expr?: string; rawSql?: string }
interface Panel { title: string; targets?: Target[]; panels?: Panel[] }

const PROMQL_WORDS = new Set(['sum', 'by', 'rate', 'increase', 'histogram_quantile', 'without', 'le', 'max', 'min', 'avg', 'on', 'and', 'or', 'unless', 'count', 'irate', 'delta', 'clamp_min', 'topk', 'bottomk']);

test('dashboards exist for overview, filesystem, vectors, pipeline and anomalies', () => {
  const names = readdirSync(DASH_DIR).sort();
  assert.deepEqual(names, ['anomalies.json', 'filesystem.json', 'overview.json', 'pipeline.json', 'vectors.json']);
});

test('every panel query names an exported metric, a recording rule or a schema table', async () => {
  const metricNames = await exportedMetrics();
  const tables = schemaTables();
  let checked = 0;
  for (const file of readdirSync(DASH_DIR)) {
    const dash = JSON.parse(readFileSync(join(DASH_DIR, file), 'utf8')) as { uid: string; panels: Panel[] };
    assert.ok(dash.uid && dash.panels.length > 0, `${file}: no panels`);
    const panels = dash.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    for (const p of panels) {
      assert.ok(p.targets && p.targets.length > 0, `${file} / ${p.title}: no query`);
      for (const t of p.targets!) {
        if (t.expr !== undefined) {
          // identifiers outside label matchers, {{legend}} and strings
          const bare = t.expr.replace(/\{[^}]*\}/g, '').replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '');
          const idents = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]).filter((w) => !PROMQL_WORDS.has(w) && !/^\d/.test(w));
          const referenced = idents.filter((w) => w.startsWith('vexfs_') || w === 'up');
          assert.ok(referenced.length > 0, `${file} / ${p.title}: no metric in ${t.expr}`);
          for (const name of referenced) assert.ok(metricNames.has(name), `${file} / ${p.title}: ${name} is neither exported nor a recording rule`);
          checked++;
        } else if (t.rawSql !== undefined) {
          const names = [...t.rawSql.matchAll(/\b(?:FROM|JOIN)\s+(?:vexfs\.)?(\w+)/gi)].map((m) => m[1]!);
          assert.ok(names.length > 0, `${file} / ${p.title}: no table in ${t.rawSql}`);
          for (const n of names) assert.ok(tables.has(n), `${file} / ${p.title}: table ${n} is not created by schemas/clickhouse`);
          checked++;
        } else {
          assert.fail(`${file} / ${p.title}: a target with neither expr nor rawSql`);
        }
      }
    }
  }
  assert.ok(checked >= 30, `only ${checked} queries checked`);
});

test('the check catches a panel naming an unknown metric', async () => {
  const metricNames = await exportedMetrics();
  assert.equal(metricNames.has('vexfs_no_such_metric_total'), false);
  assert.equal(schemaTables().has('no_such_table'), false);
  assert.ok(schemaTables().has('fs_events') && schemaTables().has('anomalies_1m'));
});
