import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
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

/** Largest chunk of the store, in bytes: growth allocates chunks of this size instead of copying the whole store. */
const CHUNK_BYTES = 4 << 20;

/** Rows per full chunk: a power of two, at least 16, of at most CHUNK_BYTES. */
function chunkRowsFor(dim: number): number {
  let r = 16;
  while (r * 2 * dim * 4 <= CHUNK_BYTES) r *= 2;
  return r;
}

/**
 * VectorIndex adapter doing exact search: the live vectors in chunks of contiguous rows
 * (label → chunk label >> shift, row label & mask), one SIMD batch-kernel call per chunk touched
 * (one query against all its candidate rows), then a top-k selection. The first chunk grows by
 * doubling up to the chunk size, then whole chunks are added: growing never copies the store
 * (a doubling copy of a large collection stalled the thread and, with first-touch page faults
 * on the new copy, cost ~12 µs per inserted 384-d vector here). Saved as raw float32
 * little-endian rows (`vectors.f32`).
 */
export function createBruteForceIndex(p: IndexParams, kernels: DistanceKernels): BruteForceIndex {
  const rows = Math.min(chunkRowsFor(p.dim), Math.max(16, p.initialCapacity));
  return wrapBrute(p, kernels, [new Float32Array(rows * p.dim)], new Uint8Array(Math.max(16, p.initialCapacity)), 0, 0);
}

/** Loads rows written by `save`; `live` says which labels hold a vector. */
export function loadBruteForceIndex(file: string, p: IndexParams, kernels: DistanceKernels, live: (label: number) => boolean, labels: number): BruteForceIndex {
  const { dim } = p;
  const chunkRows = chunkRowsFor(dim);
  const wanted = Math.max(16, p.initialCapacity, labels);
  const chunks: Float32Array[] = [];
  if (wanted <= chunkRows) chunks.push(new Float32Array(wanted * dim));
  else for (let at = 0; at < wanted; at += chunkRows) chunks.push(new Float32Array(chunkRows * dim));
  const raw = readFileSync(file);
  const chunkBytes = chunks[0]!.byteLength;
  for (let i = 0; i < chunks.length; i++) {
    const from = i * chunkBytes;
    if (from >= raw.length) break;
    const c = chunks[i]!;
    new Uint8Array(c.buffer, c.byteOffset, c.byteLength).set(raw.subarray(from, Math.min(raw.length, from + c.byteLength)));
  }
  const flags = new Uint8Array(wanted);
  let n = 0;
  for (let l = 0; l < labels; l++) if (live(l)) { flags[l] = 1; n++; }
  return wrapBrute(p, kernels, chunks, flags, n, labels);
}

function wrapBrute(p: IndexParams, kernels: DistanceKernels, chunks: Float32Array[], live0: Uint8Array, count0: number, end0: number): BruteForceIndex {
  const { dim, metric } = p;
  const chunkRows = chunkRowsFor(dim);
  const shift = Math.log2(chunkRows);
  const mask = chunkRows - 1;
  let live = live0;
  let count = count0;
  let end = end0;
  let rows = new Int32Array(0);
  let dist = new Float32Array(0);
  let local = new Int32Array(0);
  let topPos = new Int32Array(0);
  let topDist = new Float32Array(0);
  /** Rows the chunks hold. */
  let capacity = chunks.length === 1 ? chunks[0]!.length / dim : chunks.length * chunkRows;
  function grow(label: number): void {
    while (capacity <= label) {
      if (capacity < chunkRows) {
        // The first chunk doubles up to the chunk size (small collections stay small).
        const c = new Float32Array(Math.min(chunkRows, capacity * 2) * dim);
        c.set(chunks[0]!);
        chunks[0] = c;
        capacity = c.length / dim;
      } else {
        chunks.push(new Float32Array(chunkRows * dim));
        capacity += chunkRows;
      }
    }
    if (live.length < capacity) {
      const l = new Uint8Array(Math.max(capacity, live.length * 2));
      l.set(live);
      live = l;
    }
  }
  function rowScratch(n: number): Int32Array {
    if (rows.length < n) { rows = new Int32Array(Math.max(n, rows.length * 2)); dist = new Float32Array(rows.length); }
    return rows;
  }
  /** Distances of `query` to the rows `cand[0..n)` into `out[0..n)`: one batch call per run of candidates in the same chunk. */
  function distances(query: Float32Array, cand: Int32Array, n: number, out: Float32Array): void {
    if (chunks.length === 1) { kernels.batch(metric, query, chunks[0]!, cand, n, out); return; }
    if (local.length < n) local = new Int32Array(Math.max(n, cand.length));
    let i = 0;
    while (i < n) {
      const c = cand[i]! >>> shift;
      let j = i;
      while (j < n && cand[j]! >>> shift === c) { local[j] = cand[j]! & mask; j++; }
      kernels.batch(metric, query, chunks[c]!, local.subarray(i, j), j - i, out.subarray(i, j));
      i = j;
    }
  }
  function searchRows(query: Float32Array, k: number, cand: Int32Array, n: number): IndexHits {
    const kk = Math.min(k, n);
    if (kk <= 0) return { labels: [], distances: [] };
    if (dist.length < n) dist = new Float32Array(Math.max(n, cand.length));
    if (topPos.length < kk) { topPos = new Int32Array(kk); topDist = new Float32Array(kk); }
    distances(query, cand, n, dist);
    const m = selectTopK(dist, n, kk, topPos, topDist);
    const labels = new Array<number>(m);
    const out = new Array<number>(m);
    for (let i = 0; i < m; i++) { labels[i] = cand[topPos[i]!]!; out[i] = topDist[i]!; }
    return { labels, distances: out };
  }
  return {
    kind: 'bruteforce',
    dim,
    metric,
    get size() { return count; },
    get labelEnd() { return end; },
    has(label) { return label < capacity && live[label] === 1; },
    vector(label) {
      if (label >= capacity || live[label] !== 1) return null;
      const at = (label & mask) * dim;
      return chunks[label >>> shift]!.subarray(at, at + dim);
    },
    add(label, v) {
      if (label >= capacity) grow(label);
      chunks[label >>> shift]!.set(v, (label & mask) * dim);
      if (live[label] === 0) { live[label] = 1; count++; }
      if (label >= end) end = label + 1;
    },
    remove(label) {
      if (label >= capacity || live[label] === 0) return false;
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
      const fd = openSync(file, 'w');
      try {
        for (let i = 0, left = end; left > 0; i++) {
          const c = chunks[i]!;
          const r = Math.min(left, c.length / dim);
          writeAll(fd, Buffer.from(c.buffer, c.byteOffset, r * dim * 4));
          left -= r;
        }
      } finally {
        closeSync(fd);
      }
    },
    bytes() {
      let b = live.byteLength;
      for (const c of chunks) b += c.byteLength;
      return b;
    },
  };
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}
