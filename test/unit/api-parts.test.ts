import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnomalyFeed } from '../../src/api/anomaly-feed.js';
import { createEventStats } from '../../src/api/event-stats.js';
import { createLiveHub, pumpLogIntoHub } from '../../src/api/live-hub.js';
import { httpStatusOf } from '../../src/api/http-errors.js';
import { resolveApiOptions, API_DEFAULTS } from '../../src/api/options.js';
import { assertReadOnlySql } from '../../src/api/sql-guard.js';
import { ErrorCodes, VexfsError } from '../../src/errors.js';
import { createEmitter } from '../../src/events/emitter.js';
import type { VexEvent } from '../../src/events/types.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { emitAnomaly, emitFs } from './api-fakes.js';

test('options: defaults, frozen, unknown keys and bad values named', () => {
  const o = resolveApiOptions({ tokens: { 'a-long-token': 'viewer' } });
  assert.equal(o.port, API_DEFAULTS.port);
  assert.equal(o.bodyLimit, 8 * 1024 * 1024);
  assert.ok(Object.isFrozen(o) && Object.isFrozen(o.tokens));
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ prot: 1, auth: false }, /api\.prot .*unknown option; allowed: host, port/],
    [{ port: 70000, auth: false }, /api\.port = 70000 is invalid: an integer from 0 to 65535/],
    [{ bodyLimit: 10, auth: false }, /api\.bodyLimit = 10/],
    [{ tokens: { 'a-long-token': 'root' } }, /"root" is invalid: a role: viewer, operator, admin/],
    [{ tokens: { short: 'admin' } }, /at least 8 characters/],
    [{}, /api\.tokens = \{\} is invalid: at least one token when auth is on/],
    [{ auth: 'yes' }, /api\.auth = "yes"/],
  ];
  for (const [opts, msg] of bad) {
    assert.throws(() => resolveApiOptions(opts as never), (e: unknown) => e instanceof VexfsError && e.code === ErrorCodes.CONFIG_INVALID && msg.test(e.message), JSON.stringify(opts));
  }
  // a token never appears in an error message
  assert.throws(() => resolveApiOptions({ tokens: { tiny: 'admin' } }), (e: Error) => !e.message.includes('tiny'));
});

test('error codes map to HTTP statuses', () => {
  assert.equal(httpStatusOf(ErrorCodes.UNKNOWN_COLLECTION), 404);
  assert.equal(httpStatusOf(ErrorCodes.COLLECTION_EXISTS), 409);
  assert.equal(httpStatusOf(ErrorCodes.DIMENSION_MISMATCH), 400);
  assert.equal(httpStatusOf(ErrorCodes.INVALID_VECTOR), 400);
  assert.equal(httpStatusOf(ErrorCodes.INVALID_ARGUMENT), 400);
  assert.equal(httpStatusOf(ErrorCodes.UNAUTHORIZED), 401);
  assert.equal(httpStatusOf(ErrorCodes.FORBIDDEN), 403);
  assert.equal(httpStatusOf(ErrorCodes.STORE_UNAVAILABLE), 503);
  assert.equal(httpStatusOf(ErrorCodes.JOURNAL_CORRUPT), 500);
});

test('sql guard: read statements pass, anything else is refused', () => {
  for (const q of [
    'SELECT 1', '  select count() from fs_events;', 'WITH x AS (SELECT 1) SELECT * FROM x', 'SHOW TABLES', 'DESCRIBE TABLE fs_events',
    'EXPLAIN SELECT 1', "SELECT 'a; DROP TABLE x' AS s", '-- comment\nSELECT 1 -- trailing', '/* c */ SELECT path FROM fs_events WHERE path LIKE \'%file(%\'',
    'SELECT toStartOfMinute(ts) AS m, count() FROM fs_events GROUP BY m', 'SELECT 1;  -- done',
  ]) assert.doesNotThrow(() => assertReadOnlySql(q), q);
  for (const [q, why] of [
    ['INSERT INTO t VALUES (1)', /INSERT statements are not allowed/],
    ['DROP TABLE fs_events', /DROP/],
    ['SELECT 1; SELECT 2', /second statement/],
    ["SELECT * FROM file('/etc/passwd', 'LineAsString')", /file\(\) is not allowed/],
    ["SELECT * FROM url ('http://x', CSV)", /url\(\)/],
    ["SELECT * FROM s3('x')", /s3\(\)/],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", /INTO OUTFILE/],
    ['SET readonly = 0', /SET statements/],
    ['SYSTEM SHUTDOWN', /SYSTEM/],
  ] as const) assert.throws(() => assertReadOnlySql(q), (e: VexfsError) => e.code === ErrorCodes.FORBIDDEN && why.test(e.message), q);
  assert.throws(() => assertReadOnlySql('  -- nothing '), (e: VexfsError) => e.code === ErrorCodes.INVALID_ARGUMENT);
});

test('live hub: fan-out, unsubscribe, a throwing subscriber is dropped', () => {
  const hub = createLiveHub();
  const got: number[] = [];
  const off = hub.subscribe((e) => got.push(e.seq));
  hub.subscribe(() => { throw new Error('bad listener'); });
  assert.equal(hub.size, 2);
  hub.publish({ seq: 1 } as VexEvent);
  assert.equal(hub.size, 1);
  off();
  hub.publish({ seq: 2 } as VexEvent);
  assert.deepEqual(got, [1]);
});

test('event stats: rates over a sliding window of seconds (virtual clock), totals and top paths', async () => {
  let now = 1_000_000;
  const hub = createLiveHub();
  const emitter = createEmitter({ node: 'n', log: createMemoryLog(), onEmit: (e) => hub.publish(e) });
  const stats = createEventStats(hub, { windowSec: 10, topPaths: 2, now: () => now });
  now += 10_000; // 10 s of history so far
  for (let s = 0; s < 10; s++) {
    for (let i = 0; i < 5; i++) emitFs(emitter, i < 3 ? '/a' : '/b');
    now += 1000;
  }
  emitAnomaly(emitter);
  let snap = await stats.snapshot();
  assert.equal(snap.rates.fs, 4.5, 'the oldest second has left the 10 s window: 45 events / 10 s');
  assert.equal(snap.totals.fs, 50);
  assert.equal(snap.totals.semantic, 1);
  assert.deepEqual(snap.topPaths, [{ path: '/a', count: 27 }, { path: '/b', count: 18 }]);
  now += 60_000;
  snap = await stats.snapshot();
  assert.equal(snap.rates.fs, 0);
  assert.deepEqual(snap.topPaths, []);
  assert.equal(snap.totals.fs, 50);
  stats.close();
});

test('anomaly feed keeps the last N anomalies, newest first, and ignores other events', () => {
  const hub = createLiveHub();
  const emitter = createEmitter({ node: 'n', log: createMemoryLog(), onEmit: (e) => hub.publish(e) });
  const feed = createAnomalyFeed(hub, { capacity: 3 });
  emitFs(emitter, '/x');
  for (const t of ['a', 'b', 'c', 'd']) emitAnomaly(emitter, t);
  assert.deepEqual((feed.recent(10) as VexEvent<'semantic'>[]).map((e) => e.payload.anomalyType), ['d', 'c', 'b']);
  assert.equal((feed.recent(1) as unknown[]).length, 1);
});

test('pumpLogIntoHub follows a log from its tail until aborted', async () => {
  const log = createMemoryLog();
  const emitter = createEmitter({ node: 'n', log });
  emitFs(emitter, '/before');
  const hub = createLiveHub();
  const got: string[] = [];
  hub.subscribe((e) => got.push(e.key));
  const ac = new AbortController();
  const done = pumpLogIntoHub(log, hub, { signal: ac.signal });
  emitFs(emitter, '/after-1');
  emitFs(emitter, '/after-2');
  const end = Date.now() + 2000;
  while (got.length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  ac.abort();
  await done;
  assert.deepEqual(got, ['/after-1', '/after-2']);
});

test('withDurableEvents: an answer (or an error) waits for the event to be durable; nothing to wait for costs nothing', async () => {
  const { withDurableEvents } = await import('../../src/api/durable-vectors.js');
  const calls: string[] = [];
  const fake = {
    createCollection: (spec: { name: string; dim: number }) => { calls.push('create'); return { name: spec.name, dim: spec.dim, metric: 'cosine', M: 24, efConstruction: 48, ef: 64, count: 0, bytes: 0 }; },
    listCollections: () => [], describe: () => { throw new VexfsError(ErrorCodes.NOT_FOUND, 'no collection x'); }, drop: () => {},
    upsert: () => { calls.push('upsert'); }, upsertBatch: () => 2, delete: () => 1, get: () => null,
    search: async () => [{ id: 'a', distance: 0.5 }], searchBatch: () => [], searchById: () => [],
  } as any;
  let release!: () => void;
  let pending: Promise<void> | null = null;
  const port = withDurableEvents(fake, () => pending);
  // lazy policy: durable() is null, the answer comes at once
  assert.deepEqual(await port.search('c', new Float32Array(2), { k: 1 }), [{ id: 'a', distance: 0.5 }]);
  // strict policy: the answer waits for the fsync
  pending = new Promise<void>((r) => { release = r; });
  let answered = false;
  const p = Promise.resolve(port.upsert('c', 'a', new Float32Array(2))).then(() => { answered = true; });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(calls, ['upsert'], 'the operation ran');
  assert.equal(answered, false, 'no answer before the event is durable');
  release();
  await p;
  assert.equal(answered, true);
  // an error also waits, and is reported as the operation's error
  pending = new Promise<void>((r) => { release = r; });
  let failed: unknown = null;
  const q = Promise.resolve(port.describe('x')).catch((e) => { failed = e; });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(failed, null, 'the error waits too');
  release();
  await q;
  assert.equal((failed as unknown as VexfsError).code, ErrorCodes.NOT_FOUND);
  // a failed fsync fails the request
  pending = Promise.reject(new Error('fsync: EIO'));
  await assert.rejects(Promise.resolve(port.createCollection({ name: 'n', dim: 2 })), /fsync: EIO/);
});
