import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { metricsHandler } from '../../src/sinks/prometheus/metrics-handler.js';
import { metrics } from '../../src/metrics/registry.js';

const DIR = fileURLToPath(new URL('../../infra/prometheus/', import.meta.url));
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const missing = promtool.error ? 'promtool is not installed (Debian package prometheus; scripts/setup.sh installs it)' : '';

function run(args: string[]) {
  const r = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8', timeout: 60_000 });
  return { ok: r.status === 0, out: `${r.stdout}\n${r.stderr}` };
}

test('promtool check rules: recording and alert rules are valid', (t) => {
  if (missing) return t.skip(missing);
  const r = run(['check', 'rules', 'rules/recording.yml', 'rules/alerts.yml']);
  assert.ok(r.ok, r.out);
  assert.match(r.out, /SUCCESS: 10 rules found/);
});

test('promtool check config: the scrape config is valid', (t) => {
  if (missing) return t.skip(missing);
  const r = run(['check', 'config', 'prometheus.yml']);
  assert.ok(r.ok, r.out);
});

test('promtool test rules: alert and recording rule unit tests pass', (t) => {
  if (missing) return t.skip(missing);
  const r = run(['test', 'rules', 'tests/rules.test.yml']);
  assert.ok(r.ok, r.out);
  assert.match(r.out, /SUCCESS/);
});

test('metricsHandler serves the registry in the Prometheus text format', async () => {
  metrics.sinkRows.inc({ table: 'fs_events' }, 3);
  const res = await metricsHandler();
  assert.match(res.contentType, /^text\/plain; version=0\.0\.4/);
  assert.match(res.body, /^# HELP vexfs_fuse_ops_total /m);
  assert.match(res.body, /^vexfs_sink_rows_total\{table="fs_events"\} \d+/m);
  assert.match(res.body, /^# TYPE vexfs_sink_lag_seconds gauge/m);
});
