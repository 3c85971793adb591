import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '../../src/api/server.js';
import { ErrorCodes, VexfsError } from '../../src/errors.js';
import { createFakeDeps, emitAnomaly, emitFs } from './api-fakes.js';
import type { ApiDeps } from '../../src/api/deps.js';

const ADMIN = 'admin-token-1';
const auth = { authorization: `Bearer ${ADMIN}` };

async function server(over: Partial<ApiDeps> = {}, opts: Record<string, unknown> = {}) {
  const fx = createFakeDeps(over);
  const app = await createApiServer(fx.deps, { tokens: { [ADMIN]: 'admin' }, ...opts });
  return { ...fx, app };
}

async function req(app: FastifyInstance, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({
    method: method as 'GET', url, headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const json = res.headers['content-type']?.toString().includes('json') ? res.json() : res.body;
  return { status: res.statusCode, body: json, headers: res.headers };
}

test('collections: create, list, describe, drop, with mapped errors', async () => {
  const { app } = await server();
  try {
    let r = await req(app, 'POST', '/collections', { name: 'docs', dim: 3, metric: 'l2', M: 8 });
    assert.equal(r.status, 201);
    assert.deepEqual(r.body, { name: 'docs', dim: 3, metric: 'l2', M: 8, count: 0 });
    r = await req(app, 'POST', '/collections', { name: 'docs', dim: 3, metric: 'l2' });
    assert.equal(r.status, 409);
    assert.equal(r.body.code, 'VEXFS_COLLECTION_EXISTS');
    r = await req(app, 'GET', '/collections');
    assert.deepEqual(r.body.collections.map((c: { name: string }) => c.name), ['docs']);
    r = await req(app, 'GET', '/collections/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.code, 'VEXFS_UNKNOWN_COLLECTION');
    assert.match(r.body.message, /nope/);
    r = await req(app, 'DELETE', '/collections/docs');
    assert.deepEqual([r.status, r.body], [200, { ok: true }]);
    r = await req(app, 'DELETE', '/collections/docs');
    assert.equal(r.status, 404);
  } finally {
    await app.close();
  }
});

test('vectors: upsert, get, delete, search by vector / id / text, prefix, batch', async () => {
  const { app } = await server();
  try {
    await req(app, 'POST', '/collections', { name: 'docs', dim: 3, metric: 'l2' });
    // ids are file paths: URL-encoded slashes round-trip
    let r = await req(app, 'PUT', `/collections/docs/vectors/${encodeURIComponent('/docs/a.txt')}`, { vector: [1, 0, 0] });
    assert.deepEqual([r.status, r.body], [200, { ok: true }]);
    r = await req(app, 'POST', '/collections/docs/vectors', {
      vectors: [{ id: '/docs/b.txt', vector: [0.9, 0.1, 0] }, { id: '/other/c.txt', vector: [0, 1, 0] }, { id: '/docs/d.txt', vector: [0, 0, 1] }],
    });
    assert.deepEqual(r.body, { ok: true, upserted: 3 });
    r = await req(app, 'GET', `/collections/docs/vectors/${encodeURIComponent('/docs/a.txt')}`);
    assert.deepEqual(r.body, { id: '/docs/a.txt', vector: [1, 0, 0] });
    r = await req(app, 'GET', `/collections/docs/vectors/${encodeURIComponent('/missing')}`);
    assert.deepEqual([r.status, r.body.code], [404, 'VEXFS_NOT_FOUND']);

    r = await req(app, 'POST', '/collections/docs/search', { vector: [1, 0, 0], k: 2 });
    assert.deepEqual(r.body.hits.map((h: { id: string }) => h.id), ['/docs/a.txt', '/docs/b.txt']);
    assert.equal(r.body.hits[0].distance, 0);
    assert.equal(typeof r.body.tookMs, 'number');
    r = await req(app, 'POST', '/collections/docs/search', { id: '/docs/a.txt', k: 1 });
    assert.deepEqual(r.body.hits.map((h: { id: string }) => h.id), ['/docs/b.txt'], 'search by id excludes the id itself');
    r = await req(app, 'POST', '/collections/docs/search', { vector: [0, 1, 0], k: 3, prefix: '/docs/' });
    assert.ok(r.body.hits.every((h: { id: string }) => h.id.startsWith('/docs/')));
    assert.equal(r.body.hits.length, 3);
    r = await req(app, 'POST', '/collections/docs/search', { text: 'abc', k: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.body.hits.length, 1);
    r = await req(app, 'POST', '/collections/docs/search/batch', { vectors: [[1, 0, 0], [0, 0, 1]], k: 1 });
    assert.deepEqual(r.body.results.map((hs: Array<{ id: string }>) => hs[0]!.id), ['/docs/a.txt', '/docs/d.txt']);

    r = await req(app, 'DELETE', `/collections/docs/vectors/${encodeURIComponent('/docs/a.txt')}`);
    assert.deepEqual(r.body, { ok: true });
    r = await req(app, 'DELETE', `/collections/docs/vectors/${encodeURIComponent('/docs/a.txt')}`);
    assert.deepEqual([r.status, r.body.code], [404, 'VEXFS_NOT_FOUND']);
  } finally {
    await app.close();
  }
});

test('vector errors from the service map to 400/404 with their codes', async () => {
  const { app } = await server();
  try {
    await req(app, 'POST', '/collections', { name: 'docs', dim: 3, metric: 'l2' });
    const cases: Array<[string, string, unknown, number, string]> = [
      ['PUT', '/collections/docs/vectors/x', { vector: [1, 2] }, 400, 'VEXFS_DIMENSION_MISMATCH'],
      ['PUT', '/collections/docs/vectors/x', { vector: [1e39, 0, 0] }, 400, 'VEXFS_INVALID_VECTOR'],
      ['PUT', '/collections/ghost/vectors/x', { vector: [1, 2, 3] }, 404, 'VEXFS_UNKNOWN_COLLECTION'],
      ['POST', '/collections/docs/search', { vector: [1, 2, 3], k: 5, ef: 2 }, 400, 'VEXFS_INVALID_ARGUMENT'],
      ['POST', '/collections/docs/search', { vector: [1, 2, 3], id: 'x' }, 400, 'VEXFS_INVALID_ARGUMENT'],
      ['POST', '/collections/docs/search', { k: 3 }, 400, 'VEXFS_INVALID_ARGUMENT'],
      ['POST', '/collections/docs/search', { id: '/nothing', k: 3 }, 404, 'VEXFS_NOT_FOUND'],
      ['POST', '/collections/docs/vectors', { vectors: [{ id: 'a', vector: [1, 2, 3] }, { id: 'b', vector: [1] }] }, 400, 'VEXFS_DIMENSION_MISMATCH'],
    ];
    for (const [method, url, body, status, code] of cases) {
      const r = await req(app, method, url, body);
      assert.deepEqual([r.status, r.body.code], [status, code], `${method} ${url} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
      assert.equal(typeof r.body.message, 'string');
    }
    // the failed batch changed nothing (all or nothing)
    assert.equal((await req(app, 'GET', '/collections/docs')).body.count, 0);
  } finally {
    await app.close();
  }
});

test('bad input: malformed JSON, wrong types, unknown keys, oversized bodies, unknown routes, wrong media type', async () => {
  const { app } = await server({}, { bodyLimit: 2048 });
  try {
    await req(app, 'POST', '/collections', { name: 'docs', dim: 3 });
    const cases: Array<[string, string, unknown, Record<string, string>, number, string, RegExp]> = [
      ['POST', '/collections', '{"name": "x", ', {}, 400, 'VEXFS_INVALID_ARGUMENT', /malformed JSON/],
      ['POST', '/collections', '', {}, 400, 'VEXFS_INVALID_ARGUMENT', /JSON|body/i],
      ['POST', '/collections', { name: 'x', dim: '3' }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.dim must be integer/],
      ['POST', '/collections', { name: 'x', dim: 3, metric: 'manhattan' }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.metric must be equal to one of/],
      ['POST', '/collections', { name: 'x', dim: 3, colour: 'red' }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /additional properties \(colour\)/],
      ['POST', '/collections', { name: '../etc', dim: 3 }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.name must match pattern/],
      ['POST', '/collections', { dim: 3 }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /required property 'name'/],
      ['POST', '/collections', [1, 2], {}, 400, 'VEXFS_INVALID_ARGUMENT', /body must be object/],
      ['PUT', '/collections/docs/vectors/x', { vector: [] }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.vector must NOT have fewer than 1 items/],
      ['PUT', '/collections/docs/vectors/x', { vector: ['a', 1, 2] }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.vector\.0 must be number/],
      ['PUT', '/collections/docs/vectors/x', { vector: [1, 2, 3], path: '/p' }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /additional properties/],
      ['POST', '/collections/docs/search', { vector: [1, 2, 3], k: 0 }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.k must be >= 1/],
      ['POST', '/collections/docs/search', { vector: [1, 2, 3], k: 2.5 }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.k must be integer/],
      ['POST', '/collections/docs/vectors', { vectors: [{ id: 'a', vector: new Array(600).fill(1.2345678) }] }, {}, 413, 'VEXFS_PAYLOAD_TOO_LARGE', /larger than the limit/],
      ['POST', '/collections', 'name=x', { 'content-type': 'text/plain' }, 415, 'VEXFS_INVALID_ARGUMENT', /Content-Type: application\/json/],
      ['GET', '/no/such/route', undefined, {}, 404, 'VEXFS_NOT_FOUND', /no route GET \/no\/such\/route/],
      ['PATCH', '/collections', { a: 1 }, {}, 404, 'VEXFS_NOT_FOUND', /no route PATCH/],
      ['GET', '/anomalies?limit=abc', undefined, {}, 400, 'VEXFS_INVALID_ARGUMENT', /querystring\.limit must match pattern/],
      ['GET', '/anomalies?colour=red', undefined, {}, 400, 'VEXFS_INVALID_ARGUMENT', /additional properties/],
      ['GET', '/events/stream?kind=files', undefined, {}, 400, 'VEXFS_INVALID_ARGUMENT', /querystring\.kind must match pattern/],
      ['POST', '/replay', { from: 10, to: 5 }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /before from/],
      ['POST', '/sql', { query: 42 }, {}, 400, 'VEXFS_INVALID_ARGUMENT', /body\.query must be string/],
    ];
    for (const [method, url, body, headers, status, code, message] of cases) {
      const r = await req(app, method, url, body, headers);
      assert.equal(r.status, status, `${method} ${url} ${String(JSON.stringify(body)).slice(0, 60)}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.code, code, `${method} ${url}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.message, message, `${method} ${url}`);
      assert.match(String(r.headers['content-type']), /application\/json/);
    }
  } finally {
    await app.close();
  }
});

test('unexpected failures are 500 VEXFS_INTERNAL; unavailable stores 503 and retriable', async () => {
  const { app } = await server({
    sql: async () => { throw new VexfsError(ErrorCodes.STORE_UNAVAILABLE, 'chdb is down', { retriable: true }); },
  });
  const errors = console.error;
  console.error = () => {};
  try {
    let r = await req(app, 'POST', '/sql', { query: 'SELECT 1' });
    assert.deepEqual([r.status, r.body.code, r.body.retriable], [503, 'VEXFS_STORE_UNAVAILABLE', true]);
    const broken = await server({ stats: { snapshot: () => { throw new Error('boom'); } } });
    r = await req(broken.app, 'GET', '/stats');
    assert.deepEqual([r.status, r.body.code], [500, 'VEXFS_INTERNAL']);
    assert.match(r.body.message, /boom/);
    await broken.app.close();
  } finally {
    console.error = errors;
    await app.close();
  }
});

test('stats: per-kind rates, totals, top paths, backlog and lags', async () => {
  const { app, emitter } = await server();
  try {
    for (let i = 0; i < 30; i++) emitFs(emitter, i % 3 === 0 ? '/hot.txt' : `/f${i}.txt`);
    emitAnomaly(emitter);
    const r = await req(app, 'GET', '/stats');
    assert.equal(r.status, 200);
    assert.equal(r.body.totals.fs, 30);
    assert.equal(r.body.totals.semantic, 1);
    assert.ok(r.body.rates.fs > 0, JSON.stringify(r.body.rates));
    assert.deepEqual(r.body.topPaths[0], { path: '/hot.txt', count: 10 });
    assert.deepEqual(r.body.backlog, { journalUnshipped: 7 });
    assert.deepEqual(r.body.lags, { sink: 0.25 });
    assert.equal(r.body.streamClients, 0);
  } finally {
    await app.close();
  }
});

test('anomalies: newest first with their evidence, limit honoured', async () => {
  const { app, emitter } = await server();
  try {
    assert.deepEqual((await req(app, 'GET', '/anomalies')).body, { anomalies: [] });
    emitFs(emitter, '/a');
    emitAnomaly(emitter, 'error_burst', 'warning');
    emitAnomaly(emitter, 'mass_modification', 'critical');
    let r = await req(app, 'GET', '/anomalies');
    assert.deepEqual(r.body.anomalies.map((a: { anomalyType: string }) => a.anomalyType), ['mass_modification', 'error_burst']);
    const a = r.body.anomalies[0];
    assert.equal(a.severity, 'critical');
    assert.equal(a.score, 0.97);
    assert.deepEqual(a.topPaths, ['/docs/a.txt', '/docs/b.txt']);
    assert.deepEqual(a.evidence, { renames: '480' });
    assert.match(a.time, /^\d{4}-\d\d-\d\dT/);
    r = await req(app, 'GET', '/anomalies?limit=1');
    assert.equal(r.body.anomalies.length, 1);
  } finally {
    await app.close();
  }
});

test('sql: read-only statements run, writes and host access are refused, absent store is 404', async () => {
  const { app, sqls } = await server();
  try {
    let r = await req(app, 'POST', '/sql', { query: 'SELECT count() AS n FROM fs_events' });
    assert.deepEqual(r.body.rows, [{ n: 42 }]);
    assert.equal(r.body.rowCount, 1);
    assert.deepEqual(r.body.columns, [{ name: 'n', type: 'UInt64' }]);
    for (const q of ['INSERT INTO t VALUES (1)', 'SELECT 1; DROP TABLE fs_events', "SELECT * FROM file('/etc/passwd')", 'ALTER TABLE t DELETE WHERE 1', 'SELECT 1 INTO OUTFILE \'/tmp/x\'']) {
      r = await req(app, 'POST', '/sql', { query: q });
      assert.deepEqual([r.status, r.body.code], [403, 'VEXFS_FORBIDDEN'], q);
    }
    assert.deepEqual(sqls, ['SELECT count() AS n FROM fs_events'], 'refused statements never reach the store');
  } finally {
    await app.close();
  }
  const none = await server({ sql: undefined, replay: undefined, config: undefined });
  try {
    assert.deepEqual((await req(none.app, 'POST', '/sql', { query: 'SELECT 1' })).status, 404);
    assert.deepEqual((await req(none.app, 'POST', '/replay', {})).body.code, 'VEXFS_NOT_FOUND');
    assert.deepEqual((await req(none.app, 'GET', '/config')).status, 404);
  } finally {
    await none.app.close();
  }
});

test('replay passes the request through; config is redacted', async () => {
  const { app, replays } = await server();
  try {
    const r = await req(app, 'POST', '/replay', { from: 5, to: 10, target: 'vectors', dryRun: true });
    assert.deepEqual(r.body, { ok: true, result: { replayed: 3 } });
    assert.deepEqual(replays, [{ from: 5, to: 10, target: 'vectors', dryRun: true }]);
    const c = await req(app, 'GET', '/config');
    assert.deepEqual(c.body.config, { dataDir: '/tmp/x', api: { port: 7070, tokens: '<redacted>' }, clickhouse: { password: '<redacted>' } });
  } finally {
    await app.close();
  }
});

test('health is always 200; ready is 503 naming each failed or slow dependency', async () => {
  const { app } = await server({
    readiness: [
      { name: 'journal', check: async () => ({ ok: true }) },
      { name: 'clickhouse', check: async () => { throw new Error('ECONNREFUSED 127.0.0.1:8123'); } },
      { name: 'kafka', check: () => new Promise(() => {}) },
      { name: 'mount', check: async () => ({ ok: false, detail: 'not mounted' }) },
    ],
  }, { readyTimeoutMs: 100 });
  try {
    assert.equal((await req(app, 'GET', '/health', undefined, { authorization: '' })).body.status, 'ok');
    const r = await req(app, 'GET', '/ready', undefined, { authorization: '' });
    assert.equal(r.status, 503);
    assert.equal(r.body.ready, false);
    assert.equal(r.body.code, 'VEXFS_NOT_READY');
    assert.match(r.body.message, /clickhouse \(ECONNREFUSED.*kafka \(no answer within 100 ms\).*mount \(not mounted\)/);
    assert.deepEqual(r.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]), [['journal', true], ['clickhouse', false], ['kafka', false], ['mount', false]]);
  } finally {
    await app.close();
  }
});

test('metrics: Prometheus text from the shared registry', async () => {
  const { app } = await server();
  try {
    const r = await req(app, 'GET', '/metrics', undefined, { authorization: '' });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /# TYPE vexfs_events_emitted_total counter/);
    assert.match(r.body, /vexfs_process_/);
  } finally {
    await app.close();
  }
});

test('web page: / serves the page and its assets; unknown assets are 404', async () => {
  const { app } = await server();
  try {
    const page = await app.inject({ url: '/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /<script type="module" src="\/web\/app.js">/);
    const js = await app.inject({ url: '/web/app.js' });
    assert.match(js.headers['content-type'] as string, /javascript/);
    assert.match(js.body, /EventSource/);
    assert.equal((await app.inject({ url: '/web/style.css' })).statusCode, 200);
    const missing = await app.inject({ url: '/web/..%2Fserver.ts' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'VEXFS_NOT_FOUND');
  } finally {
    await app.close();
  }
});
