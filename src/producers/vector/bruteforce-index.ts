import { readFileSync, writeFileSync } from 'node:fs';
import type { DistanceKernels } from './kernels.js';
import { selectTopK } from './top-k.js';
import type { IndexHits, IndexParams, VectorIndex } from './vector-index.js';

/** The exact adapter also exposes its contiguous store (rows indexed by label), which collections use for `get` and snapshots. */
export interface BruteForceIndex extends VectorIndex {
  readonly kind: 'bruteforce';
  /** One past the highest label ever added. */
  readonly labelEnd: number;
  /** The stored vector of a live label (a view: copy before keeping), or null. */
  vector(label: number): Float32Array | null;
  /**
   * Exact search over an explicit candidate list (`rows[0..count)` are labels; all must be
   * live): the prefix-filtered path, which selects candidates itself.
   */
  searchRows(query: Float32Array, k: number, rows: Int32Array, count: number): IndexHits;
  /** Candidate scratch of at least `n` entries (reused between calls). */
  rowScratch(n: number): Int32Array;
}

/**
 * VectorIndex adapter doing exact search: every live vector in one contiguous Float32Array,
 * one SIMD batch-kernel call (one query against all candidate rows), then a top-k selection.
 * Saved as raw float32 little-endian rows (`vectors.f32`).
 */
export function createBruteForceIndex(p: IndexParams, kernels: DistanceKernels): BruteForceIndex {
  const capacity = Math.max(16, p.initialCapacity);
  return wrapBrute(p, kernels, new Float32Array(capacity * p.dim), new Uint8Array(capacity), 0, 0);
}

/** Loads rows written by `save`; `live` says which labels hold a vector. */
export function loadBruteForceIndex(file: string, p: IndexParams, kernels: DistanceKernels, live: (label: number) => boolean, labels: number): BruteForceIndex {
  const capacity = Math.max(16, p.initialCapacity, labels);
  const store = new Float32Array(capacity * p.dim);
  const raw = readFileSync(file);
  new Uint8Array(store.buffer).set(raw.subarray(0, Math.min(raw.length, store.byteLength)));
  const flags = new Uint8Array(capacity);
  let n = 0;
  for (let l = 0; l < labels; l++) if (live(l)) { flags[l] = 1; n++; }
  return wrapBrute(p, kernels, store, flags, n, labels);
}

function wrapBrute(p: IndexParams, kernels: DistanceKernels, store0: Float32Array, live0: Uint8Array, count0: number, end0: number): BruteForceIndex {
  const { dim, metric } = p;
  let store = store0;
  let live = live0;
  let count = count0;
  let end = end0;
  let rows = new Int32Array(0);
  let dist = new Float32Array(0);
  let topPos = new Int32Array(0);
  let topDist = new Float32Array(0);
  const capacity = () => live.length;
  function rowScratch(n: number): Int32Array {
    if (rows.length < n) { rows = new Int32Array(Math.max(n, rows.length * 2)); dist = new Float32Array(rows.length); }
    return rows;
  }
  function searchRows(query: Float32Array, k: number, cand: Int32Array, n: number): IndexHits {
    const kk = Math.min(k, n);
    if (kk <= 0) return { labels: [], distances: [] };
    if (dist.length < n) dist = new Float32Array(Math.max(n, cand.length));
    if (topPos.length < kk) { topPos = new Int32Array(kk); topDist = new Float32Array(kk); }
    kernels.batch(metric, query, store, cand, n, dist);
    const m = selectTopK(dist, n, kk, topPos, topDist);
    const labels = new Array<number>(m);
    const distances = new Array<number>(m);
    for (let i = 0; i < m; i++) { labels[i] = cand[topPos[i]!]!; distances[i] = topDist[i]!; }
    return { labels, distances };
  }
  return {
    kind: 'bruteforce',
    dim,
    metric,
    get size() { return count; },
    get labelEnd() { return end; },
    has(label) { return label < capacity() && live[label] === 1; },
    vector(label) { return label < capacity() && live[label] === 1 ? store.subarray(label * dim, (label + 1) * dim) : null; },
    add(label, v) {
      if (label >= capacity()) {
        let c = capacity() * 2;
        while (c <= label) c *= 2;
        const s = new Float32Array(c * dim);
        s.set(store);
        store = s;
        const l = new Uint8Array(c);
        l.set(live);
        live = l;
      }
      store.set(v, label * dim);
      if (live[label] === 0) { live[label] = 1; count++; }
      if (label >= end) end = label + 1;
    },
    remove(label) {
      if (label >= capacity() || live[label] === 0) return false;
      live[label] = 0;
      count--;
      return true;
    },
    search(query, k, _ef, filter) {
      const cand = rowScratch(end);
      let n = 0;
      for (let l = 0; l < end; l++) if (live[l] === 1 && (filter === null || filter(l))) cand[n++] = l;
      return searchRows(query, k, cand, n);
    },
    searchRows,
    rowScratch,
    save(file) {
      const used = store.subarray(0, end * dim);
      writeFileSync(file, Buffer.from(used.buffer, used.byteOffset, used.byteLength));
    },
    bytes() { return store.byteLength + live.byteLength; },
  };
}
