import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, configDocs } from '../../src/config/config.js';

const invalid = (re: RegExp) => (err: any) => err.code === 'VEXFS_CONFIG_INVALID' && re.test(err.message);

test('defaults work embedded with nothing set, and the result is frozen', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.brokerMode, false);
  assert.equal(c.journal.fsync, 'lazy');
  assert.equal(c.journal.lazyIntervalMs, 10);
  assert.equal(c.processors.windowSize, 10000);
  assert.equal(c.processors.contamination, 0.05);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.mount));
  assert.throws(() => { (c as any).dataDir = 'x'; });
});

test('environment sets broker mode and wins over the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-cfg-'));
  const file = join(dir, 'vexfs.json');
  writeFileSync(file, JSON.stringify({ api: { port: 9000 }, kafka: { brokers: ['a:1'] } }));
  const c = loadConfig({ file, env: { KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093', VEXFS_API_PORT: '8080' } });
  assert.deepEqual(c.kafka.brokers, ['127.0.0.1:9092', '127.0.0.1:9093']);
  assert.equal(c.api.port, 8080);
  assert.equal(c.brokerMode, true);
  assert.equal(c.source, file);
});

test('errors name the key, the value and what is allowed', () => {
  assert.throws(() => loadConfig({ env: { VEXFS_FSYNC: 'sometimes' } }), invalid(/journal\.fsync = "sometimes".*allowed: "lazy", "strict"/));
  assert.throws(() => loadConfig({ env: {}, overrides: { 'processors.contamination': 0.5 } }), invalid(/processors\.contamination = 0\.5.*< 0\.5/));
  assert.throws(() => loadConfig({ env: {}, overrides: { 'processors.windowSize': -1 } }), invalid(/processors\.windowSize = -1/));
  assert.throws(() => loadConfig({ env: {}, overrides: { 'mount.atrTimeout': 1 } }), invalid(/mount\.atrTimeout.*unknown key/));
  assert.throws(() => loadConfig({ env: { VEXFS_API_PORT: 'eighty' } }), invalid(/api\.port = "eighty"/));
  assert.throws(() => loadConfig({ env: { KAFKA_BROKERS: 'nohost' } }), invalid(/kafka\.brokers\.0 = "nohost"/));
});

test('a typo in a VEXFS_ variable or a broken file is refused', () => {
  assert.throws(() => loadConfig({ env: { VEXFS_FSYNK: 'lazy' } }), invalid(/unknown environment variable VEXFS_FSYNK/));
  const dir = mkdtempSync(join(tmpdir(), 'vexfs-cfg-'));
  writeFileSync(join(dir, 'bad.json'), '{ "node": ');
  assert.throws(() => loadConfig({ file: join(dir, 'bad.json'), env: {} }), invalid(/not valid JSON/));
  assert.throws(() => loadConfig({ file: join(dir, 'missing.json'), env: {} }), invalid(/cannot read config file/));
});

test('the configuration reference lists every key with its default', () => {
  const md = configDocs();
  for (const key of ['journal.fsync', 'kafka.brokers', 'clickhouse.url', 'processors.contamination', 'api.tokens', 'KAFKA_BROKERS']) assert.match(md, new RegExp(key.replace('.', '\\.')));
});

test('docs/configuration.md is the generated reference of the current schema', async () => {
  const { readFileSync } = await import('node:fs');
  const doc = readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8');
  assert.ok(doc.includes(configDocs()), 'regenerate with: ./bin/vexfs validate --print-docs (see docs/configuration.md header)');
});
