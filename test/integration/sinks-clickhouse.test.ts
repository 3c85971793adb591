import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClickhouseSink, type ClickhouseSink } from '../../src/sinks/clickhouse/clickhouse-sink.js';
import { openStore } from '../../src/sinks/clickhouse/open-store.js';
import { migrate } from '../../src/sinks/clickhouse/migrations.js';
import { eventRow, TABLES } from '../../src/sinks/clickhouse/rows.js';
import type { DeadLetter, DeadLetterPort } from '../../src/processors/dead-letter.js';
import { readFileDeadLetters } from '../../src/processors/dead-letter-file.js';
import { createEventCodec } from '../../src/events/codec.js';
import type { Batch } from '../../src/sinks/sink.js';
import type { VexEvent } from '../../src/events/types.js';
import { fsPayload } from '../../src/events/payloads.js';
import { startClickhouseServer } from '../../src/infra/clickhouse-server.js';
import { sinkMetrics } from '../../src/metrics/registry.js';
import { makeEvent, makeEvents, randomDb, testClickhouseUrl, testDataDir } from '../support/clickhouse.js';

/** The compliance suite every ClickHouse store adapter must pass. */

const batch = (events: VexEvent[], token: string): Batch => ({ lane: 'normal', events, position: { kind: 'journal', token } });
const num = (s: string) => Number(s.trim());

function collector() {
  const got: DeadLetter[] = [];
  const target: DeadLetterPort = { name: 'collect', async send(l) { got.push(l); }, async close() {} };
  return { got, target };
}

let url = '';
let stopServer: () => Promise<void> = async () => {};
before(async () => { const s = await testClickhouseUrl(); url = s.url; stopServer = s.stop; });
after(async () => { await stopServer(); });

test('chDB: migration 4 re-keys a populated fs_events by (ts, id), keeps every row, counts none twice in the rollup, and the rollup view follows the new table', async () => {
  const database = randomDb();
  const store = await openStore({ dataDir: testDataDir(), database }, { migrate: false });
  try {
    assert.deepEqual(await migrate(store, database, 3), [1, 2, 3], 'a store as it was before version 4');
    const fsRows = (events: VexEvent[]) => Buffer.from(events.filter((e) => e.kind === 'fs').map(eventRow).join(''));
    const first = makeEvents('upgrade-a', 0, 300).filter((e) => e.kind === 'fs');
    await store.insertTsv(`${database}.fs_events`, TABLES.fs.columns, fsRows(first), 'upgrade-1');
    const key = async () => (await store.query(`SELECT sorting_key FROM system.tables WHERE database = '${database}' AND name = 'fs_events'`)).trim();
    const rolled = async () => num(await store.query(`SELECT countMerge(ops) FROM ${database}.fs_ops_1m`));
    assert.equal(await key(), 'path, ts, id');
    assert.equal(await rolled(), first.length);
    assert.deepEqual(await migrate(store, database), [4]);
    assert.equal(await key(), 'ts, id');
    assert.equal(num(await store.query(`SELECT count() FROM ${database}.fs_events FINAL`)), first.length, 'every row kept');
    assert.equal(await rolled(), first.length, 'the copy is not counted again in the rollup');
    const second = makeEvents('upgrade-b', 300, 500).filter((e) => e.kind === 'fs');
    await store.insertTsv(`${database}.fs_events`, TABLES.fs.columns, fsRows(second), 'upgrade-2');
    assert.equal(await rolled(), first.length + second.length, 'the rollup view feeds from the re-keyed table');
    const tables = (await store.query(`SELECT name FROM system.tables WHERE database = '${database}' AND name LIKE 'fs_events%'`)).trim();
    assert.equal(tables, 'fs_events', 'no transient table left');
    assert.deepEqual(await migrate(store, database), [], 'idempotent');
  } finally { await store.close(); }
});

test('chDB: a restarted sink stores again the rows of a batch whose token was logged but whose part was lost (a kill between the two), counted once in the rollups', async () => {
  const database = randomDb();
  const dataDir = testDataDir();
  const events = makeEvents('lost-part', 0, 200);
  const sys = events.filter((e) => e.kind === 'system').length;
  const fs = events.filter((e) => e.kind === 'fs').length;
  const lost = events.slice(100).filter((e) => e.kind === 'system');
  const lostFs = events.slice(100).filter((e) => e.kind === 'fs');
  const first = createClickhouseSink({ dataDir, database });
  const s = await first.ready();
  try {
    await first.write(batch(events.slice(0, 100), 'journal:n1:1-100'));
    await first.write(batch(events.slice(100), 'journal:n1:101-200'));
    // The state a kill can leave on the last batch: its token in the table's deduplication log, its rows gone.
    // (fs_events: its rollup view counted the rows already, as the re-send of the batch does after a real kill)
    await s.exec(`ALTER TABLE ${database}.system_events DELETE WHERE id IN (${lost.map((e) => `'${e.id}'`).join(',')}) SETTINGS mutations_sync = 2`);
    await s.exec(`ALTER TABLE ${database}.fs_events DELETE WHERE id IN (${lostFs.map((e) => `'${e.id}'`).join(',')}) SETTINGS mutations_sync = 2`);
    assert.equal(num(await s.query(`SELECT count() FROM ${database}.system_events`)), sys - lost.length);
    assert.equal(num(await s.query(`SELECT count() FROM ${database}.fs_events`)), fs - lostFs.length);
    // (the same token sent again is dropped by the engine: this is the trap)
    await s.insertTsv(`${database}.system_events`, TABLES.system.columns, Buffer.from(lost.map(eventRow).join('')), 'journal:n1:101-200|system_events');
    assert.equal(num(await s.query(`SELECT count() FROM ${database}.system_events`)), sys - lost.length, 'precondition: the logged token drops a bare re-insert');
  } finally { await first.close(); }

  const counted = async (c: typeof sinkMetrics.restoredRows) => (await c.get()).values.find((v) => v.labels.sink === 'clickhouse-chdb')?.value ?? 0;
  const [restored0, resent0] = [await counted(sinkMetrics.restoredRows), await counted(sinkMetrics.resentRows)];
  const second = createClickhouseSink({ dataDir, database });
  const t = await second.ready();
  try {
    // After a restart the runner re-sends from its committed position: both batches again.
    await second.write(batch(events.slice(0, 100), 'journal:n1:1-100'));
    await second.write(batch(events.slice(100), 'journal:n1:101-200'));
    assert.equal(num(await t.query(`SELECT count() FROM ${database}.system_events`)), sys, 'every system event stored again, once');
    assert.equal(num(await t.query(`SELECT uniqExact(id) FROM ${database}.system_events`)), sys);
    assert.equal(num(await t.query(`SELECT count() FROM ${database}.fs_events`)), fs, 'fs rows stored again, once');
    assert.equal(num(await t.query(`SELECT countMerge(ops) FROM ${database}.fs_ops_1m`)), fs, 'and counted once in the rollup');
    assert.equal(num(await t.query(`SELECT count() FROM system.tables WHERE database = '${database}' AND name LIKE '%_repair'`)), 0, 'no staging table left');
    assert.equal(await counted(sinkMetrics.restoredRows) - restored0, lost.length + lostFs.length, 'the lost rows came back through the restore path');
    assert.ok(await counted(sinkMetrics.resentRows) - resent0 >= 100, 'the first batch was found stored');
    const again = makeEvents('lost-part', 200, 260);
    await second.write(batch(again, 'journal:n1:201-260'));
    await second.write(batch(again, 'journal:n1:201-260'));
    assert.equal(num(await t.query(`SELECT count() FROM ${database}.system_events`)), sys + again.filter((e) => e.kind === 'system').length, 'later batches: the token drops a re-send as before');
  } finally { await second.close(); }
});

test('chDB: after a restart, a batch cut differently from the one written before the crash inserts only its missing rows', async () => {
  const database = randomDb();
  const dataDir = testDataDir();
  // The look-up of a re-sent batch's ids must not depend on the batch's size: the 9,800 fs
  // event ids of the second batch as a list of UUID literals exceed chDB's default max_query_size.
  const events = makeEvents('recut', 0, 20_000);
  const count = (es: VexEvent[], kind: string) => es.filter((e) => e.kind === kind).length;
  const first = createClickhouseSink({ dataDir, database });
  await first.ready();
  try { await first.write(batch(events.slice(0, 14_000), 'journal:n1:1-14000')); } finally { await first.close(); }
  // The runner restarts from an earlier committed position and its batches are cut elsewhere.
  const second = createClickhouseSink({ dataDir, database });
  const t = await second.ready();
  try {
    await second.write(batch(events.slice(6_000), 'journal:n1:6001-20000'));
    for (const [kind, table] of [['fs', 'fs_events'], ['vector', 'vector_events'], ['system', 'system_events']] as const) {
      assert.equal(num(await t.query(`SELECT count() FROM ${database}.${table}`)), count(events, kind), `${table}: every event once, no raw duplicate`);
    }
    assert.equal(num(await t.query(`SELECT countMerge(ops) FROM ${database}.fs_ops_1m`)), count(events, 'fs'), 'rollup counts each event once');
  } finally { await second.close(); }
});

for (const mode of ['chdb', 'server'] as const) {
  describe(`ClickHouse sink on ${mode}`, () => {
    const database = randomDb();
    let sink: ClickhouseSink;
    const dl = collector();
    const storeCfg = () => (mode === 'chdb' ? { dataDir: testDataDir(), database } : { url, database });
    before(() => { sink = createClickhouseSink({ ...storeCfg(), deadLetter: dl.target, retry: { initialMs: 20, maxMs: 200, maxElapsedMs: 5_000 } }); });
    after(async () => { await sink.close(); });

    test('migrations are versioned, idempotent, and the dialect follows the version', async () => {
      const s = await sink.ready();
      assert.equal(s.dialect, mode === 'chdb' ? 'modern' : 'old', `version ${s.version}`);
      const again = await openStore(storeCfg());
      try {
        const rows = (await again.query(`SELECT version, count() FROM ${database}.schema_migrations GROUP BY version ORDER BY version`)).trim().split('\n');
        assert.deepEqual(rows, ['1\t1', '2\t1', '3\t1', '4\t1']);
        const tables = (await again.query(`SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`)).trim().split('\n');
        for (const t of ['fs_events', 'vector_events', 'semantic_events', 'system_events', 'anomalies', 'window_stats', 'patterns', 'fs_ops_1m', 'vector_ops_1m', 'anomalies_1m']) assert.ok(tables.includes(t), `missing ${t}: ${tables}`);
      } finally { await again.close(); }
    });

    test('a retried batch never doubles rows, in tables or rollups', async () => {
      const s = await sink.ready();
      const events = makeEvents('retry', 0, 400);
      await sink.write(batch(events.slice(0, 200), 'journal:n1:1-200'));
      await sink.write(batch(events.slice(200), 'journal:n1:201-400'));
      await sink.write(batch(events.slice(0, 200), 'journal:n1:1-200'));
      await sink.write(batch(events.slice(200), 'journal:n1:201-400'));
      const fs = events.filter((e) => e.kind === 'fs').length;
      assert.equal(num(await s.query(`SELECT count() FROM ${database}.fs_events FINAL`)), fs);
      assert.equal(num(await s.query(`SELECT uniqExact(id) FROM ${database}.fs_events`)), fs);
      assert.equal(num(await s.query(`SELECT countMerge(ops) FROM ${database}.fs_ops_1m`)), fs, 'rollup counts each event once');
      const total = num(await s.query(`SELECT (SELECT count() FROM ${database}.fs_events FINAL) + (SELECT count() FROM ${database}.vector_events FINAL) + (SELECT count() FROM ${database}.semantic_events FINAL) + (SELECT count() FROM ${database}.system_events FINAL)`));
      assert.equal(total, 400);
      if (s.dialect === 'modern') assert.equal(num(await s.query(`SELECT count() FROM ${database}.fs_events`)), fs, 'the dedup token dropped the retried inserts');
      assert.equal(num(await s.query(`SELECT count() FROM ${database}.anomalies`)), events.filter((e) => e.op === 'anomaly').length);
    });

    test('a large batch (streamed in chunks) re-sent is not doubled either', async () => {
      const s = await sink.ready();
      const events = makeEvents('large', 0, 12_000, 'large');
      events[9_001]!.id = 'bad-id-in-a-later-chunk';
      const fs = events.filter((e) => e.kind === 'fs' && e.id !== 'bad-id-in-a-later-chunk').length;
      dl.got.length = 0;
      await sink.write(batch(events, 'journal:large:1-12000'));
      await sink.write(batch(events, 'journal:large:1-12000'));
      // modern: each write dead-letters the bad row again; old: the ledger skips the second write
      assert.ok(dl.got.length >= 1 && dl.got.every((d) => d.source === 'journal:large:9002'), JSON.stringify(dl.got.map((d) => d.source)));
      assert.equal(num(await s.query(`SELECT count() FROM ${database}.fs_events FINAL WHERE node = 'large'`)), fs);
      assert.equal(num(await s.query(`SELECT uniqExact(id) FROM ${database}.fs_events WHERE node = 'large'`)), fs);
      if (s.dialect === 'modern') assert.equal(num(await s.query(`SELECT count() FROM ${database}.fs_events WHERE node = 'large'`)), fs, 'the token dropped the re-sent insert');
    });

    test('strings with tabs, newlines, quotes and backslashes round-trip', async () => {
      const s = await sink.ready();
      const [ev] = makeEvents('escape', 0, 1);
      const path = "/we\tird\n'path\\x";
      ev!.payload = fsPayload({ path, path2: 'ü/ß' });
      await sink.write(batch([ev!], 'journal:n1:escape'));
      const out = JSON.parse((await s.query(`SELECT path, path2 FROM ${database}.fs_events FINAL WHERE id = '${ev!.id}'`, 'JSONEachRow')).trim());
      assert.deepEqual(out, { path, path2: 'ü/ß' });
      const vec = JSON.parse((await s.query(`SELECT result_ids FROM ${database}.vector_events FINAL WHERE op = 'search' LIMIT 1`, 'JSONEachRow')).trim());
      assert.deepEqual(vec.result_ids, ['a', "b'q", 'c\td']);
    });

    test('RowBinary round-trips every column type exactly: escapes, unicode, long strings, nulls, arrays, extremes', async () => {
      const s = await sink.ready();
      const [fsEv, vecEv, semEv, sysEv] = [makeEvent('rt', 0), makeEvent('rt', 15), makeEvent('rt', 17), makeEvent('rt', 19)];
      const weird = "tab\there\nnl\r\\back\0nul'q\"dq ü ß 漢字 😀 " + 'x'.repeat(300);
      fsEv!.payload = fsPayload({ path: weird, path2: null, ino: 2 ** 53 - 1, offset: -(2 ** 40), size: 0, result: -2, errno: 2, latencyUs: 0xffffffff, mode: null, uid: -1, gid: 2 ** 31 - 1, pid: -(2 ** 31), name: 'user.é', contentHash: Buffer.from([0, 255, 16]) });
      Object.assign(vecEv!.payload, { ids: ['', 'ü', 'a\tb\nc', "q'"], resultIds: [], distances: [0.5, -1.25, 1048576.125], params: { 'ef\t': 'ü\n' }, errorMessage: null });
      Object.assign(semEv!.payload, { rate: 1e-300, score: -1.5, support: 0.1 + 0.2, sequence: ['open', 'wr\nite'], topPaths: [], evidence: {} });
      Object.assign(sysEv!.payload, { message: '', attrs: { k: 'v\u0001' }, checkpointSeq: 0 });
      await sink.write(batch([fsEv!, vecEv!, semEv!, sysEv!], 'journal:n1:roundtrip'));
      const row = async (table: string, id: string, cols: string) => JSON.parse((await s.query(`SELECT ${cols} FROM ${database}.${table} FINAL WHERE id = '${id}'`, 'JSONEachRow')).trim());
      assert.deepEqual(await row('fs_events', fsEv!.id, 'path, path2, toString(ino) AS ino, toString(offset) AS offset, toString(result) AS result, errno, toString(latency_us) AS lat, mode, uid, gid, pid, xattr_name, content_hash, toString(id) AS id, toString(ts_us) AS ts_us'), {
        path: weird, path2: '', ino: String(2 ** 53 - 1), offset: String(-(2 ** 40)), result: '-2', errno: 2, lat: '4294967295', mode: -1, uid: -1, gid: 2 ** 31 - 1, pid: -(2 ** 31),
        xattr_name: 'user.é', content_hash: '00ff10', id: fsEv!.id, ts_us: String(fsEv!.ts),
      });
      const vec = await row('vector_events', vecEv!.id, 'ids, result_ids, distances, params, error_message');
      // Float32 is printed in its shortest form (1048576.1): compare as float32
      vec.distances = vec.distances.map(Math.fround);
      assert.deepEqual(vec, { ids: ['', 'ü', 'a\tb\nc', "q'"], result_ids: [], distances: [0.5, -1.25, 1048576.125], params: JSON.stringify({ 'ef\t': 'ü\n' }), error_message: '' });
      const sem = await row('semantic_events', semEv!.id, 'rate, score, support, sequence, top_paths, evidence');
      assert.deepEqual(sem, { rate: 1e-300, score: -1.5, support: 0.1 + 0.2, sequence: ['open', 'wr\nite'], top_paths: [], evidence: '{}' });
      assert.deepEqual(await row('system_events', sysEv!.id, 'message, attrs, toString(checkpoint_seq) AS cp'), { message: '', attrs: JSON.stringify({ k: 'v\u0001' }), cp: '0' });
    });

    test('rows the store rejects go to the dead letter with the reason; the rest are written', async () => {
      const s = await sink.ready();
      const events = makeEvents('bad', 0, 50);
      events[7]!.id = 'not-a-uuid';
      (events[12]!.payload as { latencyUs: number }).latencyUs = Number.NaN;
      dl.got.length = 0;
      await sink.write(batch(events, 'journal:n1:bad'));
      assert.deepEqual(dl.got.map((d) => d.source).sort(), ['journal:n1:13', 'journal:n1:8']);
      // RowBinary cannot carry a malformed UUID, so the encoder refuses it before the insert
      const uuid = dl.got.find((d) => d.source === 'journal:n1:8')!;
      assert.match(uuid.reason, /UUID/);
      assert.equal(uuid.code, 'VEXFS_EVENT_INVALID');
      assert.match(uuid.stage, /^sink:clickhouse/);
      assert.equal(createEventCodec().fromSingleObject(uuid.value!).id, 'not-a-uuid', 'the letter carries the event as single-object Avro');
      const nan = dl.got.find((d) => d.source === 'journal:n1:13')!;
      assert.match(nan.reason, /finite number/);
      assert.equal(nan.code, 'VEXFS_EVENT_INVALID');
      const good = events.filter((_e, i) => i !== 7 && i !== 12);
      const written = num(await s.query(`SELECT count() FROM ${database}.fs_events FINAL WHERE id IN (${good.map((e) => `'${e.id}'`).join(',')})`));
      const expectFs = good.filter((e) => e.kind === 'fs').length;
      assert.equal(written, expectFs);
    });

    test('pipelined writes (the next issued before the last resolved) each land once and resolve in call order', async () => {
      const s = await sink.ready();
      assert.equal(sink.maxInFlight, 2);
      const events = makeEvents('piped', 0, 3_000, 'piped');
      const done: number[] = [];
      await Promise.all([0, 1, 2].map((k) => sink.write(batch(events.slice(k * 1_000, (k + 1) * 1_000), `journal:piped:${k}`)).then(() => { done.push(k); })));
      assert.deepEqual(done, [0, 1, 2]);
      const fs = events.filter((e) => e.kind === 'fs').length;
      assert.equal(num(await s.query(`SELECT count() FROM ${database}.fs_events WHERE node = 'piped'`)), fs);
      assert.equal(num(await s.query(`SELECT uniqExact(id) FROM ${database}.fs_events WHERE node = 'piped'`)), fs);
    });

    if (mode === 'chdb') {
      test('a write queued behind a failed one inserts nothing and fails retriably; later writes go again', async () => {
        const db2 = randomDb();
        const sink2 = createClickhouseSink({ dataDir: testDataDir(), database: db2, deadLetter: collector().target, retry: { initialMs: 20, maxMs: 50, maxElapsedMs: 500 } });
        try {
          const s = await sink2.ready();
          await s.exec(`DROP TABLE ${db2}.fs_events`);
          const evs = makeEvents('broken', 0, 400, 'broken');
          const fsOnly = evs.filter((e) => e.kind === 'fs');
          const vecOnly = evs.filter((e) => e.kind === 'vector');
          const first = sink2.write(batch(fsOnly, 'journal:broken:1'));
          const second = sink2.write(batch(vecOnly, 'journal:broken:2'));
          await assert.rejects(first, (e: { retriable?: boolean }) => e.retriable === false);
          await assert.rejects(second, (e: { retriable?: boolean; message: string }) => e.retriable === true && /earlier batch failed/.test(e.message));
          assert.equal(num(await s.query(`SELECT count() FROM ${db2}.vector_events`)), 0, 'the second batch was not inserted ahead of the first');
          await sink2.write(batch(vecOnly, 'journal:broken:2'));
          assert.equal(num(await s.query(`SELECT count() FROM ${db2}.vector_events`)), vecOnly.length, 'a write after the chain settled goes again');
        } finally { await sink2.close(); }
      });
    }

    test('healthcheck names the store', async () => {
      const h = await sink.healthcheck();
      assert.equal(h.ok, true);
      assert.match(h.detail!, mode === 'chdb' ? /embedded ClickHouse 2\d\./ : /server ClickHouse/);
    });
  });
}

describe('ClickHouse sink when the server goes away', () => {
  test('write() retries with backoff until the server is back, and nothing is lost', async (t) => {
    const first = await startClickhouseServer();
    const port = Number(new URL(first.url).port);
    const database = randomDb();
    const sink = createClickhouseSink({ url: first.url, database, retry: { initialMs: 50, maxMs: 300, maxElapsedMs: 30_000 }, requestTimeoutMs: 3000 });
    let second: Awaited<ReturnType<typeof startClickhouseServer>> | undefined;
    try {
      await sink.write(batch(makeEvents('down', 0, 100), 'journal:n1:1-100'));
      await first.stop();
      const t0 = Date.now();
      const pending = sink.write(batch(makeEvents('down', 100, 200), 'journal:n1:101-200'));
      let settled = false;
      pending.then(() => { settled = true; }, () => { settled = true; });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(settled, false, 'write() must not resolve while the store is down');
      second = await startClickhouseServer({ dir: first.dir, httpPort: port });
      await pending;
      t.diagnostic(`write resolved ${Date.now() - t0} ms after the server went down`);
      const s = await sink.ready();
      assert.equal(num(await s.query(`SELECT uniqExact(id) FROM ${database}.fs_events`)), makeEvents('down', 0, 200).filter((e) => e.kind === 'fs').length);
    } finally {
      await sink.close();
      await second?.stop();
      await first.stop();
    }
  });

  test('a sink gives up at once when closed (or its signal aborts) during retries', async () => {
    const ac = new AbortController();
    const sink = createClickhouseSink({ url: 'http://127.0.0.1:9', database: randomDb(), signal: ac.signal, retry: { initialMs: 50, maxMs: 100, maxElapsedMs: 60_000 }, requestTimeoutMs: 500 });
    const p = sink.write(batch(makeEvents('gone', 0, 10), 'journal:n1:1-10'));
    setTimeout(() => ac.abort(), 300);
    await assert.rejects(p, (err: Error & { code?: string; retriable?: boolean }) => err.code === 'VEXFS_STORE_UNAVAILABLE' && err.retriable === true);
    await sink.close();
  });

  test('the default dead letter is a JSON-lines file under the data dir', async () => {
    // chDB holds one data dir per process, so this uses the server with its own data dir for the file
    const dir = join(testDataDir(), 'dl-check');
    const sink = createClickhouseSink({ url, dataDir: dir, database: randomDb() });
    try {
      const events = makeEvents('dlfile', 0, 3);
      events[1]!.id = 'bad-id';
      await sink.write(batch(events, 'journal:n1:dl'));
      const f = join(dir, 'dead-letter', 'clickhouse.jsonl');
      assert.ok(existsSync(f));
      const letters = await readFileDeadLetters(f);
      assert.equal(letters.length, 1);
      assert.equal(createEventCodec().fromSingleObject(letters[0]!.value!).id, 'bad-id');
      assert.equal(letters[0]!.source, `journal:n1:${events[1]!.seq}`);
      assert.ok(letters[0]!.reason.length > 10);
    } finally { await sink.close(); }
  });
});
