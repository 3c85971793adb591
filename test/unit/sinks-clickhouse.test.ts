import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClickhouseSink } from '../../src/sinks/clickhouse/clickhouse-sink.js';
import { classifyStoreError, clickhouseCode, dialectOf, isBadData } from '../../src/sinks/clickhouse/store.js';
import { eventRow, TABLES, tsvString } from '../../src/sinks/clickhouse/rows.js';
import { loadMigrations } from '../../src/sinks/clickhouse/migrations.js';
import { resolveStoreConfig } from '../../src/sinks/clickhouse/open-store.js';
import { makeEvent } from '../support/clickhouse.js';

test('dialect follows the server version', () => {
  assert.equal(dialectOf('18.16.1'), 'old');
  assert.equal(dialectOf('22.1.3.7'), 'old');
  assert.equal(dialectOf('22.2.1'), 'modern');
  assert.equal(dialectOf('26.7.2.1'), 'modern');
});

test('store errors: bad data never retried, transient retried, others refused', () => {
  const old = new Error('Code: 27, e.displayText() = DB::Exception: Cannot parse input: expected \\t before: x');
  assert.equal(clickhouseCode(old), 27);
  const bad = classifyStoreError(old, {});
  assert.equal(bad.retriable, false);
  assert.ok(isBadData(bad));
  const modern = Object.assign(new Error('Code: 376. DB::Exception: Cannot parse uuid'), { clickhouseCode: 376 });
  assert.ok(isBadData(classifyStoreError(modern, {})));
  const refused = classifyStoreError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), {});
  assert.equal(refused.retriable, true);
  assert.equal(refused.code, 'VEXFS_STORE_UNAVAILABLE');
  const parts = classifyStoreError(new Error('Code: 252, e.displayText() = DB::Exception: Too many parts'), {});
  assert.equal(parts.retriable, true);
  const unknownTable = classifyStoreError(new Error('Code: 60. DB::Exception: Table x.y does not exist'), {});
  assert.equal(unknownTable.retriable, false);
  assert.equal(isBadData(unknownTable), false);
});

test('TSV rows escape tabs, newlines, backslashes and quotes in arrays', () => {
  assert.equal(tsvString('a\tb\nc\\d\re\0'), 'a\\tb\\nc\\\\d\\re\\0');
  assert.equal(tsvString('plain'), 'plain');
  for (let i = 0; i < 20; i++) {
    const ev = makeEvent('rows', i);
    const line = eventRow(ev);
    assert.ok(line.endsWith('\n'));
    assert.equal(line.slice(0, -1).split('\t').length, TABLES[ev.kind].columns.length, `${ev.kind} field count`);
  }
  const vec = makeEvent('rows', 15);
  assert.equal(vec.kind, 'vector');
  assert.match(eventRow(vec), /\['a','b\\'q','c\\td'\]/);
  const nan = makeEvent('rows', 1);
  (nan.payload as { latencyUs: number }).latencyUs = Number.NaN;
  assert.throws(() => eventRow(nan), /finite number/);
});

test('migrations: both dialects have the same versions and create the same tables', () => {
  const m = loadMigrations('modern', 'db');
  const o = loadMigrations('old', 'db');
  assert.deepEqual(m.map((x) => x.version), o.map((x) => x.version));
  // the tables and views each dialect ends with (modern 004 re-creates fs_ops_1m_mv and uses a transient fs_events_by_time)
  const names = (ms: typeof m) => [...new Set(ms.flatMap((x) => x.statements).map((s) => /IF NOT EXISTS db\.(\w+)/.exec(s)?.[1]).filter((n) => n && n !== 'fs_events_by_time'))].sort();
  assert.deepEqual(names(m), names(o).filter((n) => n !== 'sink_batches'));
  // modern 004 re-keys fs_events by (ts, id); the old dialect keeps its key (a comment-only 004)
  assert.match(m.find((x) => x.version === 4)!.statements.join('\n'), /ORDER BY \(ts, id\)[\s\S]*RENAME TABLE db\.fs_events TO db\.fs_events_by_path, db\.fs_events_by_time TO db\.fs_events/);
  assert.deepEqual(o.find((x) => x.version === 4)!.statements, []);
  for (const s of o.flatMap((x) => x.statements)) {
    assert.doesNotMatch(s, /DateTime64|LowCardinality|SETTINGS|\{db\}/, 'old dialect uses no modern-only feature');
    assert.match(s, /IF NOT EXISTS/, 'every statement is idempotent');
  }
});

test('config: unknown keys and bad values are refused naming the key', () => {
  assert.throws(() => resolveStoreConfig({ nope: 1 } as never), /unknown ClickHouse store option 'nope'/);
  assert.throws(() => resolveStoreConfig({ url: 'ftp://x' }), /clickhouse\.url = "ftp:\/\/x" is invalid/);
  assert.throws(() => resolveStoreConfig({ database: 'a-b' }), /clickhouse\.database/);
  assert.throws(() => createClickhouseSink({ retry: { initialMs: 0 } }), /retry\.initialMs = 0 is invalid/);
  assert.throws(() => createClickhouseSink({ retry: { tries: 3 } as never }), /unknown retry option 'retry\.tries'/);
  assert.throws(() => createClickhouseSink({ deadLetter: {} as never }), /DeadLetterPort/);
  const cfg = resolveStoreConfig({});
  assert.equal(cfg.database, 'vexfs');
  assert.equal(cfg.url, '');
  assert.ok(Object.isFrozen(cfg));
});
