import type { Metric } from './kernels.js';

/** Result of a VectorIndex search: labels nearest first and their distances. */
export interface IndexHits { labels: number[]; distances: number[] }

/**
 * The port the collections depend on for nearest-neighbour search over integer labels.
 * Adapters: `createHnswIndex` (hnswlib-node, approximate) and `createBruteForceIndex` (exact,
 * the SIMD batch kernel over one contiguous Float32Array). Both pass the same contract suite
 * (test/unit/vector-index-contract.test.ts).
 *
 * Contract:
 * - labels are integers ≥ 0; `add` inserts or replaces the vector of a label (the vector is
 *   copied); capacity grows as needed;
 * - `remove` makes a label invisible to search and `has`; adding it again revives it;
 * - `search` returns at most `k` live labels (fewer when fewer are live or pass the filter),
 *   nearest first, with distances in the collection's metric: l2 = squared Euclidean,
 *   cosine = 1 − cos, ip = 1 − a·b;
 * - `filter`, when given, is called with labels and only labels it accepts are returned;
 * - `ef` is the approximate search's candidate list (≥ k); exact adapters ignore it;
 * - `save`/`load` round-trip: a loaded index answers searches as the saved one did.
 * Callers pass checked input (right dimension, finite values): the service validates.
 */
export interface VectorIndex {
  readonly kind: 'hnsw' | 'bruteforce';
  readonly dim: number;
  readonly metric: Metric;
  /** Live labels. */
  readonly size: number;
  has(label: number): boolean;
  add(label: number, v: Float32Array): void;
  /** Hides `label`; false when it was not live. */
  remove(label: number): boolean;
  search(query: Float32Array, k: number, ef: number, filter: ((label: number) => boolean) | null): IndexHits;
  /** Writes the index to `file`. */
  save(file: string): void;
  /** Approximate bytes held. */
  bytes(): number;
}

/** Parameters an adapter is built with. */
export interface IndexParams {
  dim: number;
  metric: Metric;
  /** HNSW links per node (ignored by exact adapters). */
  M: number;
  /** HNSW build-time candidate list (ignored by exact adapters). */
  efConstruction: number;
  /** Initial capacity in labels (grows by doubling). */
  initialCapacity: number;
}
