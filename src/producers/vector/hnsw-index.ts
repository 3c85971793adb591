import hnswlib from 'hnswlib-node';
import type { IndexHits, IndexParams, VectorIndex } from './vector-index.js';

/** hnswlib's level generator seed: fixed, so the same calls build the same graph (replay). */
export const HNSW_SEED = 100;

/**
 * True when hnswlib-node was built with src/producers/vector/native/hnswlib-node-float32.patch
 * (scripts/build-hnswlib-native.sh, run by setup): addPoint and searchKnn then take a
 * Float32Array, read in one copy. The npm build takes plain arrays only and reads every element
 * through N-API (about 20 µs per 384-d vector here).
 */
export const HNSW_FLOAT32_INPUT = (hnswlib as unknown as { vexfsFloat32Input?: number }).vexfsFloat32Input === 1;

/**
 * VectorIndex adapter over hnswlib-node (approximate HNSW search). Vectors go to hnswlib as
 * Float32Arrays when the addon is patched (HNSW_FLOAT32_INPUT), else copied into one reused
 * plain array per index. A removed label is marked deleted and revived in place by the next `add`.
 */
export function createHnswIndex(p: IndexParams): VectorIndex {
  const index = new hnswlib.HierarchicalNSW(p.metric, p.dim);
  const capacity = Math.max(16, p.initialCapacity);
  index.initIndex({ maxElements: capacity, m: p.M, efConstruction: p.efConstruction, randomSeed: HNSW_SEED, allowReplaceDeleted: false });
  return wrapHnsw(index, p, capacity, new Uint8Array(capacity), 0);
}

/** Loads an index written by `save`; `live` says which labels are live (hnswlib keeps deleted ones marked). */
export function loadHnswIndex(file: string, p: IndexParams, live: (label: number) => boolean, labels: number): VectorIndex {
  const index = new hnswlib.HierarchicalNSW(p.metric, p.dim);
  index.readIndexSync(file, false);
  const capacity = Math.max(index.getMaxElements(), labels, 16);
  if (capacity > index.getMaxElements()) index.resizeIndex(capacity);
  const flags = new Uint8Array(capacity);
  let n = 0;
  for (let l = 0; l < labels; l++) if (live(l)) { flags[l] = 1; n++; }
  return wrapHnsw(index, p, capacity, flags, n);
}

function wrapHnsw(index: hnswlib.HierarchicalNSW, p: IndexParams, capacity0: number, live0: Uint8Array, count0: number): VectorIndex {
  const { dim } = p;
  const scratch: number[] = new Array<number>(dim).fill(0.5);
  let capacity = capacity0;
  let live = live0;
  let count = count0;
  let ef = -1;
  // The typings say number[]; the patched addon also takes a Float32Array of exactly dim elements.
  const toScratch: (v: Float32Array) => number[] = HNSW_FLOAT32_INPUT
    ? (v) => (v.length === dim ? v : v.subarray(0, dim)) as unknown as number[]
    : (v) => {
      for (let i = 0; i < dim; i++) scratch[i] = v[i]!;
      return scratch;
    };
  return {
    kind: 'hnsw',
    dim,
    metric: p.metric,
    get size() { return count; },
    has(label) { return label < capacity && live[label] === 1; },
    add(label, v) {
      if (label >= capacity) {
        let c = capacity * 2;
        while (c <= label) c *= 2;
        index.resizeIndex(c);
        const grown = new Uint8Array(c);
        grown.set(live);
        live = grown;
        capacity = c;
      }
      // A removed label is unmarked and updated in place by hnswlib.
      index.addPoint(toScratch(v), label);
      if (live[label] === 0) { live[label] = 1; count++; }
    },
    remove(label) {
      if (label >= capacity || live[label] === 0) return false;
      index.markDelete(label);
      live[label] = 0;
      count--;
      return true;
    },
    search(query, k, efSearch, filter): IndexHits {
      const kk = Math.min(k, count);
      if (kk <= 0) return { labels: [], distances: [] };
      const e = Math.max(efSearch, kk);
      if (e !== ef) { index.setEf(e); ef = e; }
      const res = filter === null ? index.searchKnn(toScratch(query), kk) : index.searchKnn(toScratch(query), kk, filter);
      return { labels: res.neighbors, distances: res.distances };
    },
    save(file) { index.writeIndexSync(file); },
    bytes() { return capacity * (dim * 4 + p.M * 2 * 4 + 64); },
  };
}
