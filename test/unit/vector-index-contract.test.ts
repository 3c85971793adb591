/**
 * One contract suite for the VectorIndex port, run against both adapters: hnswlib (approximate)
 * and brute force (exact, SIMD batch kernel). Whatever differs between them is stated per
 * adapter (`exact`): the approximate one must reach a recall bound instead of equality.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { createBruteForceIndex, loadBruteForceIndex } from '../../src/producers/vector/bruteforce-index.js';
import { createCollection } from '../../src/producers/vector/collection.js';
import { createHnswIndex, loadHnswIndex } from '../../src/producers/vector/hnsw-index.js';
import { scalarKernels, selectKernels, type Metric } from '../../src/producers/vector/kernels.js';
import type { IndexParams, VectorIndex } from '../../src/producers/vector/vector-index.js';
import { mulberry32 } from '../../src/prng.js';

const kernels = selectKernels('auto');

interface Adapter {
  name: string;
  exact: boolean;
  create(p: IndexParams): VectorIndex;
  load(file: string, p: IndexParams, live: (l: number) => boolean, labels: number): VectorIndex;
}
const adapters: Adapter[] = [
  { name: 'hnswlib', exact: false, create: (p) => createHnswIndex(p), load: (f, p, live, n) => loadHnswIndex(f, p, live, n) },
  { name: 'brute force', exact: true, create: (p) => createBruteForceIndex(p, kernels), load: (f, p, live, n) => loadBruteForceIndex(f, p, kernels, live, n) },
];

function randVecs(seed: number, n: number, dim: number): Float32Array[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => r() * 2 - 1));
}
function reference(metric: Metric, a: Float32Array, b: Float32Array): number {
  return metric === 'l2' ? scalarKernels.l2sq(a, b) : metric === 'cosine' ? scalarKernels.cosine(a, b) : 1 - scalarKernels.dot(a, b);
}
/** Exact top-k labels by the scalar reference over `live` labels passing `filter`. */
function truth(metric: Metric, vecs: Map<number, Float32Array>, q: Float32Array, k: number, filter: (l: number) => boolean = () => true): number[] {
  return [...vecs].filter(([l]) => filter(l)).map(([l, v]) => [l, reference(metric, q, v)] as const)
    .sort((a, b) => a[1] - b[1] || a[0] - b[0]).slice(0, k).map(([l]) => l);
}
function recall(got: number[][], want: number[][]): number {
  let hit = 0; let all = 0;
  for (let i = 0; i < want.length; i++) { const s = new Set(want[i]); all += want[i]!.length; for (const l of got[i]!) if (s.has(l)) hit++; }
  return all === 0 ? 1 : hit / all;
}
const params = (metric: Metric, dim: number, initialCapacity = 16): IndexParams => ({ dim, metric, M: 16, efConstruction: 100, initialCapacity });

for (const a of adapters) {
  describe(`VectorIndex contract: ${a.name}`, () => {
    test('an empty index has size 0 and returns no hits', () => {
      const idx = a.create(params('l2', 8));
      assert.equal(idx.size, 0);
      assert.equal(idx.has(0), false);
      assert.deepEqual(idx.search(new Float32Array(8), 5, 10, null), { labels: [], distances: [] });
    });

    for (const metric of ['l2', 'cosine', 'ip'] as const) {
      test(`${metric}: hits are nearest first, distances equal the scalar reference (1e-4 relative), recall ${a.exact ? '= 1' : '≥ 0.95'}`, () => {
        const dim = 37; // odd on purpose
        const vecs = randVecs(7, 600, dim);
        const idx = a.create(params(metric, dim));
        const live = new Map<number, Float32Array>();
        vecs.forEach((v, l) => { idx.add(l, v); live.set(l, v); });
        assert.equal(idx.size, 600);
        const queries = randVecs(8, 30, dim);
        const got: number[][] = []; const want: number[][] = [];
        for (const q of queries) {
          const r = idx.search(q, 10, 64, null);
          assert.equal(r.labels.length, 10);
          assert.equal(r.distances.length, 10);
          for (let i = 0; i < 10; i++) {
            const ref = reference(metric, q, live.get(r.labels[i]!)!);
            assert.ok(Math.abs(r.distances[i]! - ref) <= 1e-4 * Math.max(Math.abs(ref), 1e-2), `${metric} distance ${r.distances[i]} vs ${ref}`);
            if (i > 0) assert.ok(r.distances[i]! >= r.distances[i - 1]!, 'nearest first');
          }
          got.push(r.labels); want.push(truth(metric, live, q, 10));
        }
        const rec = recall(got, want);
        if (a.exact) assert.equal(rec, 1); else assert.ok(rec >= 0.95, `recall ${rec}`);
      });
    }

    test('add replaces the vector of an existing label; size counts labels once', () => {
      const idx = a.create(params('l2', 4));
      idx.add(0, Float32Array.from([0, 0, 0, 0]));
      idx.add(1, Float32Array.from([10, 10, 10, 10]));
      idx.add(0, Float32Array.from([20, 20, 20, 20]));
      assert.equal(idx.size, 2);
      const r = idx.search(Float32Array.from([19, 19, 19, 19]), 2, 10, null);
      assert.deepEqual(r.labels, [0, 1]);
      assert.equal(r.distances[0], 4);
    });

    test('remove hides a label (false when not live); adding it again revives it', () => {
      const idx = a.create(params('l2', 2));
      for (let l = 0; l < 5; l++) idx.add(l, Float32Array.from([l, 0]));
      assert.equal(idx.remove(2), true);
      assert.equal(idx.remove(2), false);
      assert.equal(idx.remove(99), false);
      assert.equal(idx.has(2), false);
      assert.equal(idx.size, 4);
      const r = idx.search(Float32Array.from([2, 0]), 5, 10, null);
      assert.equal(r.labels.length, 4);
      assert.ok(!r.labels.includes(2));
      idx.add(2, Float32Array.from([2.1, 0]));
      assert.equal(idx.has(2), true);
      assert.equal(idx.size, 5);
      assert.equal(idx.search(Float32Array.from([2, 0]), 1, 10, null).labels[0], 2);
    });

    test('k larger than the live count returns every live label; capacity grows past the initial size', () => {
      const idx = a.create(params('l2', 3, 16));
      const vecs = randVecs(3, 100, 3);
      vecs.forEach((v, l) => idx.add(l * 3, v)); // sparse labels up to 297
      assert.equal(idx.size, 100);
      const r = idx.search(vecs[0]!, 500, 500, null);
      assert.equal(r.labels.length, 100);
      assert.deepEqual([...r.labels].sort((x, y) => x - y), Array.from({ length: 100 }, (_, i) => i * 3));
    });

    test('a filter restricts hits to the labels it accepts', () => {
      const dim = 16;
      const vecs = randVecs(5, 400, dim);
      const idx = a.create(params('cosine', dim));
      const live = new Map<number, Float32Array>();
      vecs.forEach((v, l) => { idx.add(l, v); live.set(l, v); });
      const even = (l: number) => l % 2 === 0;
      const got: number[][] = []; const want: number[][] = [];
      for (const q of randVecs(6, 20, dim)) {
        const r = idx.search(q, 10, 100, even);
        assert.ok(r.labels.every(even), `odd label in ${r.labels}`);
        got.push(r.labels); want.push(truth('cosine', live, q, 10, even));
      }
      const rec = recall(got, want);
      if (a.exact) assert.equal(rec, 1); else assert.ok(rec >= 0.9, `filtered recall ${rec}`);
    });

    test('save then load answers searches as the saved index did', () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'vexfs-index-'));
      try {
        const dim = 24;
        const p = params('l2', dim);
        const idx = a.create(p);
        const vecs = randVecs(9, 300, dim);
        vecs.forEach((v, l) => idx.add(l, v));
        idx.remove(5); idx.remove(77);
        const file = path.join(dir, 'index');
        idx.save(file);
        const loaded = a.load(file, p, (l) => l !== 5 && l !== 77, 300);
        assert.equal(loaded.size, idx.size);
        assert.equal(loaded.has(5), false);
        for (const q of randVecs(10, 10, dim)) assert.deepEqual(loaded.search(q, 10, 50, null), idx.search(q, 10, 50, null));
        loaded.add(300, vecs[0]!);
        assert.equal(loaded.size, idx.size + 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('a collection built on this adapter as its approximate index answers like exact search', () => {
      const c = createCollection({ name: 'c', dim: 12, metric: 'l2', M: 16, efConstruction: 100, ef: 64 }, kernels,
        { exactBelow: 0, exactFilterFraction: 0, initialCapacity: 16, annFactory: (p) => a.create(p) });
      const vecs = randVecs(12, 300, 12);
      vecs.forEach((v, i) => c.upsert(`/f/${i}`, v));
      c.delete('/f/3');
      const got: number[][] = []; const want: number[][] = [];
      for (const q of randVecs(13, 20, 12)) {
        const r = c.search(q, 5, 64, null, false);
        assert.equal(r.mode, 'hnsw');
        got.push(r.ids.map((id) => Number(id.slice(3))));
        want.push(c.search(q, 5, 64, null, true).ids.map((id) => Number(id.slice(3))));
      }
      const rec = recall(got, want);
      if (a.exact) assert.equal(rec, 1); else assert.ok(rec >= 0.95, `recall ${rec}`);
    });
  });
}

describe('brute force store in chunks (growth adds 4 MiB chunks, never copies the store)', () => {
  // 8192-d rows: 128 rows per chunk, so 300 vectors span 3 chunks (the first grown by doubling from 16).
  const dim = 8192;
  const vecs = randVecs(21, 300, dim);
  const build = () => {
    const idx = createBruteForceIndex(params('l2', dim), kernels);
    vecs.forEach((v, l) => idx.add(l, v));
    idx.remove(7); idx.remove(200);
    return idx;
  };
  const live = new Map(vecs.map((v, l) => [l, v] as const).filter(([l]) => l !== 7 && l !== 200));

  test('search, vector() and searchRows over candidates in any order equal the scalar reference across chunks', () => {
    const idx = build();
    assert.equal(idx.size, 298);
    assert.equal(idx.vector(7), null);
    for (const l of [0, 127, 128, 255, 256, 299]) assert.deepEqual(idx.vector(l), vecs[l]);
    for (const q of randVecs(22, 5, dim)) {
      const r = idx.search(q, 10, 10, null);
      assert.deepEqual(r.labels, truth('l2', live, q, 10));
      r.labels.forEach((l, i) => assert.ok(Math.abs(r.distances[i]! - reference('l2', q, vecs[l]!)) <= 1e-4 * reference('l2', q, vecs[l]!)));
      // Candidates shuffled across chunks (runs of one chunk are batched together).
      const cand = [...live.keys()].filter((l) => l % 3 !== 0).sort((x, y) => ((x * 7919) % 301) - ((y * 7919) % 301));
      const rows = idx.rowScratch(cand.length); rows.set(cand);
      assert.deepEqual(idx.searchRows(q, 10, rows, cand.length).labels, truth('l2', live, q, 10, (l) => l % 3 !== 0));
    }
  });

  test('save/load round-trips across chunks; the loaded store grows on', () => {
    const idx = build();
    const dir = mkdtempSync(path.join(tmpdir(), 'vexfs-chunks-'));
    try {
      const file = path.join(dir, 'vectors.f32');
      idx.save(file);
      const loaded = loadBruteForceIndex(file, params('l2', dim), kernels, (l) => live.has(l), 300);
      assert.equal(loaded.size, 298);
      for (const l of [0, 127, 128, 299]) assert.deepEqual(loaded.vector(l), vecs[l]);
      for (const q of randVecs(23, 3, dim)) assert.deepEqual(loaded.search(q, 10, 10, null), idx.search(q, 10, 10, null));
      loaded.add(500, vecs[1]!);
      assert.deepEqual(loaded.vector(500), vecs[1]);
      assert.deepEqual(loaded.search(vecs[1]!, 2, 10, null).labels.sort((x, y) => x - y), [1, 500]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
