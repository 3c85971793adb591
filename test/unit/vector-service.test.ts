import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ErrorCodes, VexfsError } from '../../src/errors.js';
import { createEmitter } from '../../src/events/emitter.js';
import type { VexEvent } from '../../src/events/types.js';
import { createMemoryLog } from '../../src/log/memory-log.js';
import { registry } from '../../src/metrics/registry.js';
import { clusteredSet, seededRandom } from '../../src/producers/vector/datasets.js';
import { createVectorService, rebuildFromEvents, type VectorService } from '../../src/producers/vector/index.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

async function setup(extra: Record<string, unknown> = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vexfs-vec-'));
  dirs.push(dataDir);
  const log = createMemoryLog();
  const emitter = createEmitter({ node: 'n1', log });
  const svc = await createVectorService({ emitter, dataDir, log, ...extra });
  const vectorEvents = () => log.events.map((e) => e.event).filter((e): e is VexEvent<'vector'> => e.kind === 'vector');
  return { svc, log, emitter, dataDir, vectorEvents };
}

function vec(r: () => number, d: number): number[] {
  return Array.from({ length: d }, () => r() * 2 - 1);
}

test('collections: create, list, describe, drop — one vector event each', async () => {
  const { svc, vectorEvents } = await setup();
  const info = svc.createCollection({ name: 'docs', dim: 8, metric: 'cosine', M: 12, efConstruction: 100, ef: 40 });
  assert.deepEqual({ ...info, bytes: 0 }, { name: 'docs', dim: 8, metric: 'cosine', M: 12, efConstruction: 100, ef: 40, count: 0, bytes: 0 });
  svc.createCollection({ name: 'img', dim: 4 });
  assert.deepEqual(svc.listCollections().map((c) => [c.name, c.metric]), [['docs', 'cosine'], ['img', 'cosine']]);
  assert.equal(svc.describe('img').dim, 4);
  svc.drop('img');
  assert.deepEqual(svc.listCollections().map((c) => c.name), ['docs']);
  const evs = vectorEvents();
  assert.deepEqual(evs.map((e) => e.op), ['create_collection', 'create_collection', 'list_collections', 'describe_collection', 'drop_collection', 'list_collections']);
  const create = evs[0]!.payload;
  assert.equal(create.collection, 'docs');
  assert.equal(create.dim, 8);
  assert.equal(create.metric, 'cosine');
  assert.deepEqual(create.params, { M: '12', efConstruction: '100', ef: '40' });
  assert.ok(evs.every((e) => e.payload.errorCode === null && e.key === e.payload.collection), 'successful events keyed by collection');
});

test('upsert, get, delete, search — results nearest first, events carry ids, vectors, k, ef, results and latency', async () => {
  const { svc, vectorEvents } = await setup();
  svc.createCollection({ name: 'c', dim: 3, metric: 'l2' });
  svc.upsert('c', '/a', [0, 0, 0]);
  svc.upsert('c', '/b', new Float32Array([1, 0, 0]));
  svc.upsertBatch('c', [{ id: '/c', vector: [2, 0, 0] }, { id: '/d', vector: [3, 0, 0] }]);
  assert.deepEqual(Array.from(svc.get('c', '/b')!), [1, 0, 0]);
  assert.equal(svc.get('c', '/zz'), null);
  const hits = svc.search('c', [2.1, 0, 0], { k: 3 });
  assert.deepEqual(hits.map((h) => h.id), ['/c', '/d', '/b']);
  assert.ok(Math.abs(hits[0]!.distance - 0.01) < 1e-6, 'l2 distance is squared euclidean');
  assert.equal(svc.delete('c', '/c'), 1);
  assert.equal(svc.delete('c', ['/c', '/nope']), 0);
  assert.deepEqual(svc.search('c', [2.1, 0, 0], { k: 2 }).map((h) => h.id), ['/d', '/b']);
  svc.upsert('c', '/a', [5, 5, 5]); // replace
  assert.deepEqual(Array.from(svc.get('c', '/a')!), [5, 5, 5]);
  assert.equal(svc.describe('c').count, 3);

  const evs = vectorEvents();
  const up = evs.find((e) => e.op === 'upsert' && e.payload.ids[0] === '/b')!.payload;
  assert.equal(up.dim, 3);
  assert.equal(up.metric, 'l2');
  assert.deepEqual(Array.from(new Float32Array(new Uint8Array(up.vectors[0]!).buffer)), [1, 0, 0]);
  const batch = evs.find((e) => e.op === 'upsert' && e.payload.ids.length === 2)!.payload;
  assert.deepEqual(batch.ids, ['/c', '/d']);
  assert.equal(batch.vectors.length, 2);
  const s = evs.find((e) => e.op === 'search')!.payload;
  assert.equal(s.k, 3);
  assert.ok(s.ef >= 3, 'ef >= k');
  assert.deepEqual(s.resultIds, ['/c', '/d', '/b']);
  assert.equal(s.distances.length, 3);
  assert.equal(s.params.mode, 'exact');
  assert.ok(s.latencyUs >= 0, 'latency');
  assert.equal(evs.filter((e) => e.op === 'get').length, 3);
  assert.deepEqual(evs.filter((e) => e.op === 'delete').map((e) => e.payload.params.deleted), ['1', '0']);
  const text = await registry.getSingleMetricAsString('vexfs_vector_ops_total');
  assert.match(text, /op="search",result="ok"/);
});

test('bad input: a clear VexfsError with its code, nothing changed, and the failure event emitted', async () => {
  const { svc, vectorEvents } = await setup();
  svc.createCollection({ name: 'c', dim: 4, metric: 'cosine' });
  svc.upsert('c', '/keep', [1, 2, 3, 4]);
  const cases: Array<[string, () => unknown, string, RegExp]> = [
    ['wrong dimension', () => svc.upsert('c', '/x', [1, 2, 3]), ErrorCodes.DIMENSION_MISMATCH, /3 dimensions, the collection expects 4/],
    ['NaN', () => svc.upsert('c', '/x', [1, NaN, 3, 4]), ErrorCodes.INVALID_VECTOR, /vector\[1\] is NaN/],
    ['Infinity', () => svc.upsert('c', '/x', [1, 2, Infinity, 4]), ErrorCodes.INVALID_VECTOR, /vector\[2\] is Infinity/],
    ['beyond float32', () => svc.upsert('c', '/x', [1, 2, 3, 1e39]), ErrorCodes.INVALID_VECTOR, /beyond float32 range/],
    ['Float32Array NaN', () => svc.upsert('c', '/x', Float32Array.from([1, 2, NaN, 4])), ErrorCodes.INVALID_VECTOR, /vector\[2\] is NaN/],
    ['Float32Array -Infinity query', () => svc.search('c', Float32Array.from([-Infinity, 2, 3, 4])), ErrorCodes.INVALID_VECTOR, /query vector\[0\] is -Infinity/],
    ['empty vector', () => svc.upsert('c', '/x', []), ErrorCodes.INVALID_VECTOR, /empty/],
    ['not a vector', () => svc.upsert('c', '/x', 'abc' as never), ErrorCodes.INVALID_VECTOR, /array of numbers/],
    ['zero vector under cosine', () => svc.upsert('c', '/x', [0, 0, 0, 0]), ErrorCodes.INVALID_VECTOR, /all zeros/],
    ['unknown collection', () => svc.upsert('nope', '/x', [1, 2, 3, 4]), ErrorCodes.UNKNOWN_COLLECTION, /collection 'nope' does not exist/],
    ['unknown collection search', () => svc.search('nope', [1, 2, 3, 4]), ErrorCodes.UNKNOWN_COLLECTION, /'nope'/],
    ['duplicate collection', () => svc.createCollection({ name: 'c', dim: 4 }), ErrorCodes.COLLECTION_EXISTS, /already exists/],
    ['bad collection name', () => svc.createCollection({ name: 'a/b', dim: 4 }), ErrorCodes.INVALID_ARGUMENT, /name "a\/b" is invalid/],
    ['bad dim', () => svc.createCollection({ name: 'z', dim: 0 }), ErrorCodes.INVALID_ARGUMENT, /dim=0 is invalid/],
    ['bad metric', () => svc.createCollection({ name: 'z', dim: 4, metric: 'hamming' as never }), ErrorCodes.INVALID_ARGUMENT, /metric="hamming"/],
    ['k = 0', () => svc.search('c', [1, 2, 3, 4], { k: 0 }), ErrorCodes.INVALID_ARGUMENT, /k=0 is invalid/],
    ['k < 0', () => svc.search('c', [1, 2, 3, 4], { k: -3 }), ErrorCodes.INVALID_ARGUMENT, /k=-3 is invalid/],
    ['k not an integer', () => svc.search('c', [1, 2, 3, 4], { k: 1.5 }), ErrorCodes.INVALID_ARGUMENT, /k=1.5/],
    ['ef < k', () => svc.search('c', [1, 2, 3, 4], { k: 10, ef: 5 }), ErrorCodes.INVALID_ARGUMENT, /ef=5 is smaller than k=10/],
    ['unknown search option', () => svc.search('c', [1, 2, 3, 4], { kk: 1 } as never), ErrorCodes.INVALID_ARGUMENT, /unknown search option 'kk'/],
    ['query wrong dimension', () => svc.search('c', [1, 2]), ErrorCodes.DIMENSION_MISMATCH, /query vector has 2 dimensions/],
    ['empty id', () => svc.upsert('c', '', [1, 2, 3, 4]), ErrorCodes.INVALID_ARGUMENT, /id must be a non-empty string/],
    ['xattr not a multiple of 4', () => svc.upsertEncoded('c', '/x', Buffer.alloc(13)), ErrorCodes.INVALID_VECTOR, /13 bytes: float32 little-endian bytes must be a multiple of 4/],
    ['xattr bad JSON', () => svc.upsertEncoded('c', '/x', Buffer.from('[1, 2, oops]')), ErrorCodes.INVALID_VECTOR, /not valid JSON/],
    ['xattr JSON with a string', () => svc.upsertEncoded('c', '/x', Buffer.from('[1, 2, "3", 4]')), ErrorCodes.INVALID_VECTOR, /embedding\[2\] is string/],
    ['xattr NaN bytes', () => svc.upsertEncoded('c', '/x', Buffer.from(new Float32Array([1, NaN, 1, 1]).buffer)), ErrorCodes.INVALID_VECTOR, /embedding\[1\] is NaN/],
    ['batch with one bad item', () => svc.upsertBatch('c', [{ id: '/x', vector: [1, 1, 1, 1] }, { id: '/y', vector: [1, 1] }]), ErrorCodes.DIMENSION_MISMATCH, /items\[1\]: vector has 2 dimensions/],
    ['empty batch', () => svc.upsertBatch('c', []), ErrorCodes.INVALID_ARGUMENT, /items is empty/],
    ['drop unknown', () => svc.drop('nope'), ErrorCodes.UNKNOWN_COLLECTION, /'nope'/],
    ['similar to an id without vector', () => svc.searchById('c', '/none'), ErrorCodes.NOT_FOUND, /has no vector/],
  ];
  for (const [name, call, code, message] of cases) {
    const before = vectorEvents().length;
    assert.throws(call, (e: unknown) => e instanceof VexfsError && e.code === code && message.test(e.message), name);
    const evs = vectorEvents();
    assert.equal(evs.length, before + 1, `${name}: exactly one failure event`);
    const p = evs[evs.length - 1]!.payload;
    assert.equal(p.errorCode, code, `${name}: event errorCode`);
    assert.match(p.errorMessage ?? '', message, `${name}: event errorMessage`);
    // Nothing changed.
    assert.deepEqual(svc.listCollections().map((c) => [c.name, c.count]), [['c', 1]], name);
    assert.equal(svc.get('c', '/x'), null, name);
  }
  assert.deepEqual(Array.from(svc.get('c', '/keep')!), [1, 2, 3, 4]);
});

test('service options: unknown keys and bad values refused naming the key', async () => {
  const log = createMemoryLog();
  const emitter = createEmitter({ node: 'n1', log });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vexfs-vec-')); dirs.push(dataDir);
  const bad = async (extra: Record<string, unknown>, re: RegExp) => assert.rejects(
    createVectorService({ emitter, dataDir, ...extra } as never),
    (e: unknown) => e instanceof VexfsError && e.code === ErrorCodes.CONFIG_INVALID && re.test(e.message));
  await bad({ efSearch: 3 }, /efSearch=3 is invalid: unknown option/);
  await bad({ defaultDim: 0 }, /defaultDim=0 is invalid: an integer in 1\.\.65536/);
  await bad({ defaultMetric: 'dot' }, /defaultMetric="dot"/);
  await bad({ kernels: 'gpu' }, /kernels="gpu"/);
  await bad({ dataDir: '' }, /dataDir/);
  await bad({ defaultCollection: '../x' }, /defaultCollection/);
});

test('prefix filter: exact over few matches, HNSW with the filter callback over many; only matching ids returned', async () => {
  const { svc, vectorEvents } = await setup({ exactBelow: 64 });
  svc.createCollection({ name: 'c', dim: 16, metric: 'l2' });
  const r = seededRandom(7);
  const items = [];
  for (let i = 0; i < 2000; i++) items.push({ id: `/${i % 2 === 0 ? 'even' : 'odd'}/${i}`, vector: vec(r, 16) });
  for (let i = 0; i < 20; i++) items.push({ id: `/rare/${i}`, vector: vec(r, 16) });
  svc.upsertBatch('c', items);
  const q = vec(r, 16);
  const rare = svc.search('c', q, { k: 5, prefix: '/rare/' });
  assert.equal(rare.length, 5);
  assert.ok(rare.every((h) => h.id.startsWith('/rare/')));
  const exactRare = svc.search('c', q, { k: 5, prefix: '/rare/', exact: true });
  assert.deepEqual(rare, exactRare);
  const even = svc.search('c', q, { k: 10, prefix: '/even/' });
  assert.ok(even.every((h) => h.id.startsWith('/even/')));
  const exactEven = svc.search('c', q, { k: 10, prefix: '/even/', exact: true });
  assert.ok(even.filter((h) => exactEven.some((x) => x.id === h.id)).length >= 9, 'filtered HNSW finds the true neighbours');
  const modes = vectorEvents().filter((e) => e.op === 'search').map((e) => e.payload.params.mode);
  assert.deepEqual(modes, ['exact-filtered', 'exact-filtered', 'hnsw-filtered', 'exact-filtered']);
  assert.deepEqual(svc.search('c', q, { k: 3, prefix: '/none/' }), []);
  const k3 = svc.search('c', q, { k: 3000 });
  assert.equal(k3.length, 2020, 'k larger than the collection returns everything');
});

test('searchBatch and searchById: one search event per query; the id itself is excluded', async () => {
  const { svc, vectorEvents } = await setup();
  svc.createCollection({ name: 'c', dim: 2, metric: 'l2' });
  svc.upsertBatch('c', [{ id: 'a', vector: [0, 0] }, { id: 'b', vector: [1, 0] }, { id: 'c', vector: [5, 0] }]);
  const res = svc.searchBatch('c', [[0, 0], [5, 0]], { k: 1 });
  assert.deepEqual(res.map((r) => r[0]!.id), ['a', 'c']);
  const sim = svc.searchById('c', 'a', { k: 2 });
  assert.deepEqual(sim.map((h) => h.id), ['b', 'c']);
  const searches = vectorEvents().filter((e) => e.op === 'search');
  assert.equal(searches.length, 3);
  assert.deepEqual(searches.slice(0, 2).map((e) => e.payload.params.batchIndex), ['0', '1']);
  assert.equal(searches[2]!.payload.params.similarTo, 'a');
});

test('large batches are split into several upsert events under maxEventBytes, all replayable', async () => {
  const { svc, vectorEvents, log } = await setup({ maxEventBytes: 4096 });
  svc.createCollection({ name: 'c', dim: 64, metric: 'ip' });
  const r = seededRandom(3);
  const n = svc.upsertBatch('c', Array.from({ length: 40 }, (_, i) => ({ id: `v${i}`, vector: vec(r, 64) })));
  assert.equal(n, 40);
  const ups = vectorEvents().filter((e) => e.op === 'upsert');
  assert.deepEqual(ups.map((e) => e.payload.ids.length), [16, 16, 8]);
  const rebuilt = rebuildFromEvents(log.events.map((e) => e.event));
  assert.equal(rebuilt.collections.get('c')!.size, 40);
});

/** Applies a seeded mix of writes (inserts, updates, deletes, renames, another collection dropped). */
function churn(svc: VectorService, seed: number, dim: number, n: number): void {
  const { base } = clusteredSet({ count: n, queries: 0, dim, clusters: 20, seed });
  const r = seededRandom(seed + 1);
  svc.createCollection({ name: 'main', dim, metric: 'l2', M: 12, efConstruction: 80, ef: 32 });
  svc.createCollection({ name: 'tmp', dim, metric: 'cosine' });
  svc.upsert('tmp', 'x', Array.from(base.row(0)));
  const batch = [];
  for (let i = 0; i < n; i++) batch.push({ id: `/d${i % 7}/f${i}`, vector: base.row(i) });
  svc.upsertBatch('main', batch.slice(0, n / 2));
  for (let i = n / 2; i < n; i++) svc.upsert('main', batch[i]!.id, batch[i]!.vector);
  for (let i = 0; i < n / 10; i++) svc.delete('main', `/d${i % 7}/f${Math.floor(r() * n)}`);
  for (let i = 0; i < n / 20; i++) svc.upsert('main', `/d${i % 7}/f${Math.floor(r() * n)}`, vec(r, dim));
  for (let i = 0; i < n / 20; i++) svc.upsert('main', `/new/${i}`, vec(r, dim));
  svc.rename('main', [['/d1/f1', '/moved/f1'], ['/d2/f2', '/d3/f3']]);
  svc.drop('tmp');
}

test('replaying the events rebuilds an index whose search results equal the live one (HNSW path)', async () => {
  const { svc, log } = await setup({ exactBelow: 100 });
  churn(svc, 11, 24, 3000);
  const rebuilt = rebuildFromEvents(log.events.map((e) => e.event), { tuning: { exactBelow: 100 } });
  assert.deepEqual([...rebuilt.collections.keys()], ['main']);
  const col = rebuilt.collections.get('main')!;
  assert.equal(col.size, svc.describe('main').count);
  assert.ok(col.size > 2500, 'HNSW-sized');
  const { queries } = clusteredSet({ count: 0, queries: 100, dim: 24, clusters: 20, seed: 11 });
  for (let i = 0; i < queries.count; i++) {
    const live = svc.search('main', queries.row(i), { k: 10 });
    const again = col.search(queries.row(i), 10, 32, null, false);
    assert.equal(again.mode, 'hnsw');
    assert.deepEqual(again.ids, live.map((h) => h.id), `query ${i}`);
    assert.deepEqual(again.distances, live.map((h) => h.distance));
    const livePrefix = svc.search('main', queries.row(i), { k: 5, prefix: '/d3/' });
    assert.deepEqual(col.search(queries.row(i), 5, 32, '/d3/', false).ids, livePrefix.map((h) => h.id));
  }
  for (const id of ['/moved/f1', '/d3/f3', '/new/0']) assert.deepEqual(col.get(id), svc.get('main', id));
  assert.equal(col.get('/d1/f1'), null);
});

test('snapshot + restart: loads the snapshot, replays only the events after it, same vectors and exact results', async () => {
  const { svc, log, emitter, dataDir } = await setup({ exactBelow: 100 });
  churn(svc, 21, 16, 1200);
  svc.snapshot();
  const r = seededRandom(5);
  for (let i = 0; i < 50; i++) svc.upsert('main', `/after/${i}`, vec(r, 16));
  svc.delete('main', '/after/3');
  const restarted = await createVectorService({ emitter, dataDir, log, exactBelow: 100 });
  const st = restarted.stats();
  assert.ok(st.snapshotSeq > 0, 'snapshot loaded');
  assert.equal(st.replayed, 51, 'only the 51 writes after the snapshot were replayed');
  assert.equal(restarted.describe('main').count, svc.describe('main').count);
  for (const id of ['/after/7', '/moved/f1', '/d0/f0']) assert.deepEqual(restarted.get('main', id), svc.get('main', id));
  assert.equal(restarted.get('main', '/after/3'), null);
  let found = 0;
  for (let i = 0; i < 20; i++) {
    const q = vec(r, 16);
    assert.deepEqual(restarted.search('main', q, { k: 10, exact: true }), svc.search('main', q, { k: 10, exact: true }), `exact query ${i}`);
    const approx = restarted.search('main', q, { k: 10 }).map((h) => h.id);
    const truth = svc.search('main', q, { k: 10, exact: true }).map((h) => h.id);
    found += approx.filter((x) => truth.includes(x)).length;
  }
  assert.ok(found / 200 >= 0.9, `recall@10 of the restarted HNSW index ${found / 200} >= 0.9`);
  await restarted.close();
  await svc.close();
});

test('an unreadable snapshot falls back to a full replay of the log (the events are the source of truth)', async () => {
  const { svc, log, emitter, dataDir } = await setup();
  svc.createCollection({ name: 'c', dim: 2, metric: 'l2' });
  svc.upsert('c', 'a', [1, 2]);
  svc.snapshot();
  svc.upsert('c', 'b', [3, 4]);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(dataDir, 'vector', 'snapshot', 'c-c', 'meta.json'), '{ torn');
  const again = await createVectorService({ emitter, dataDir, log });
  assert.match(again.stats().snapshotError ?? '', /JSON/);
  assert.deepEqual(Array.from(again.get('c', 'a')!), [1, 2]);
  assert.deepEqual(Array.from(again.get('c', 'b')!), [3, 4]);
  await assert.rejects(createVectorService({ emitter, dataDir }), (e: unknown) => e instanceof VexfsError && e.code === ErrorCodes.CONFIG_INVALID && /unreadable/.test(e.message));
});
