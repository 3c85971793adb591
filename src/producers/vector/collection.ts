import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import hnswlib from 'hnswlib-node';
import type { DistanceKernels, Metric } from './kernels.js';
import { selectTopK } from './top-k.js';

/** A collection's definition: fixed at creation. */
export interface CollectionSpec {
  name: string;
  dim: number;
  metric: Metric;
  /** HNSW links per node. */
  M: number;
  /** HNSW candidate list size while building. */
  efConstruction: number;
  /** Default HNSW candidate list size while searching. */
  ef: number;
}

/** How a search was answered. */
export type SearchMode = 'hnsw' | 'hnsw-filtered' | 'exact' | 'exact-filtered';

/** Result of one search: ids nearest first, their distances, and the path taken. */
export interface SearchOutcome { ids: string[]; distances: number[]; mode: SearchMode }

/** Tuning shared by every collection of a service. */
export interface CollectionTuning {
  /** Collections with at most this many vectors are searched exactly (brute force with the SIMD batch kernel). */
  exactBelow: number;
  /** A prefix filter matching at most this fraction of the vectors is answered exactly over the matches. */
  exactFilterFraction: number;
  /** Initial HNSW capacity (doubles as needed). */
  initialCapacity: number;
}

/**
 * One collection: an hnswlib HNSW index plus a contiguous Float32Array copy of every vector
 * (rows indexed by hnswlib label) used for `get`, exact search and snapshots. String ids map to
 * integer labels; a deleted id's label is marked deleted in hnswlib and reused by the next new
 * id (hnswlib then updates that element in place), so churn does not grow the index.
 * Every method is synchronous; the order of calls fully determines the index (fixed seed), which
 * is what lets a replay of the events rebuild an identical index.
 */
export interface Collection {
  readonly spec: CollectionSpec;
  /** Live vectors. */
  readonly size: number;
  has(id: string): boolean;
  /** The stored vector of `id` (a view into the store: copy it before keeping it), or null. */
  get(id: string): Float32Array | null;
  /** Inserts or replaces `id` (the vector is copied; it must be valid and of the right dimension). */
  upsert(id: string, v: Float32Array): void;
  /** Removes `id`; false when absent. */
  delete(id: string): boolean;
  /** Gives `from`'s vector to `to` (replacing `to`'s); false when `from` is absent. */
  rename(from: string, to: string): boolean;
  /** Ids starting with `prefix` (every id when ''). */
  idsWithPrefix(prefix: string): string[];
  /** The `k` nearest live vectors to `query`. `ef` ≥ 1; `prefix` restricts to ids that start with it. */
  search(query: Float32Array, k: number, ef: number, prefix: string | null, exact: boolean): SearchOutcome;
  /** Writes the index, vectors and id map under `dir`. */
  save(dir: string): void;
  /** Approximate bytes held (vectors + graph). */
  bytes(): number;
}

const RANDOM_SEED = 100;

interface State {
  index: hnswlib.HierarchicalNSW;
  capacity: number;
  store: Float32Array;
  labelIds: (string | null)[];
  idToLabel: Map<string, number>;
  free: number[];
  nextLabel: number;
}

/** Creates an empty collection. */
export function createCollection(spec: CollectionSpec, kernels: DistanceKernels, tuning: CollectionTuning): Collection {
  const capacity = Math.max(16, tuning.initialCapacity);
  const index = new hnswlib.HierarchicalNSW(spec.metric, spec.dim);
  index.initIndex({ maxElements: capacity, m: spec.M, efConstruction: spec.efConstruction, randomSeed: RANDOM_SEED, allowReplaceDeleted: false });
  return wrap(spec, kernels, tuning, {
    index, capacity, store: new Float32Array(capacity * spec.dim), labelIds: [], idToLabel: new Map(), free: [], nextLabel: 0,
  });
}

interface SavedMeta { version: 1; spec: CollectionSpec; nextLabel: number; labelIds: (string | null)[]; free: number[] }

/** Loads a collection saved by `save(dir)`. */
export function loadCollection(dir: string, kernels: DistanceKernels, tuning: CollectionTuning): Collection {
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as SavedMeta;
  const { spec } = meta;
  const index = new hnswlib.HierarchicalNSW(spec.metric, spec.dim);
  index.readIndexSync(path.join(dir, 'index.hnsw'), false);
  const capacity = Math.max(index.getMaxElements(), meta.nextLabel, 16);
  const store = new Float32Array(capacity * spec.dim);
  const raw = readFileSync(path.join(dir, 'vectors.f32'));
  new Uint8Array(store.buffer).set(raw.subarray(0, Math.min(raw.length, store.byteLength)));
  const idToLabel = new Map<string, number>();
  meta.labelIds.forEach((id, label) => { if (id !== null) idToLabel.set(id, label); });
  return wrap(spec, kernels, tuning, { index, capacity, store, labelIds: meta.labelIds, idToLabel, free: meta.free, nextLabel: meta.nextLabel });
}

function wrap(spec: CollectionSpec, kernels: DistanceKernels, tuning: CollectionTuning, s: State): Collection {
  const { dim, metric } = spec;
  // hnswlib-node only takes plain arrays (it copies each element): one reused array per collection.
  const scratch: number[] = new Array<number>(dim).fill(0);
  let rowsScratch = new Int32Array(0);
  let distScratch = new Float32Array(0);
  let topPos = new Int32Array(0);
  let topDist = new Float32Array(0);

  function toScratch(v: Float32Array): number[] {
    for (let i = 0; i < dim; i++) scratch[i] = v[i]!;
    return scratch;
  }
  function grow(): void {
    const capacity = s.capacity * 2;
    s.index.resizeIndex(capacity);
    const store = new Float32Array(capacity * dim);
    store.set(s.store);
    s.store = store;
    s.capacity = capacity;
  }
  function ensureScratch(n: number, k: number): void {
    if (rowsScratch.length < n) { rowsScratch = new Int32Array(Math.max(n, rowsScratch.length * 2)); distScratch = new Float32Array(rowsScratch.length); }
    if (topPos.length < k) { topPos = new Int32Array(k); topDist = new Float32Array(k); }
  }
  function exactSearch(query: Float32Array, k: number, prefix: string | null): { ids: string[]; distances: number[] } {
    ensureScratch(s.nextLabel, k);
    let n = 0;
    for (let label = 0; label < s.nextLabel; label++) {
      const id = s.labelIds[label];
      if (id == null || (prefix !== null && !id.startsWith(prefix))) continue;
      rowsScratch[n++] = label;
    }
    kernels.batch(metric, query, s.store, rowsScratch, n, distScratch);
    const m = selectTopK(distScratch, n, k, topPos, topDist);
    const ids = new Array<string>(m);
    const distances = new Array<number>(m);
    for (let i = 0; i < m; i++) { ids[i] = s.labelIds[rowsScratch[topPos[i]!]!]!; distances[i] = topDist[i]!; }
    return { ids, distances };
  }
  function countPrefix(prefix: string): number {
    let n = 0;
    for (const id of s.idToLabel.keys()) if (id.startsWith(prefix)) n++;
    return n;
  }
  function removeLabel(label: number, id: string): void {
    s.index.markDelete(label);
    s.idToLabel.delete(id);
    s.labelIds[label] = null;
    s.free.push(label);
  }

  return {
    spec,
    get size() { return s.idToLabel.size; },
    has(id) { return s.idToLabel.has(id); },
    get(id) {
      const label = s.idToLabel.get(id);
      return label === undefined ? null : s.store.subarray(label * dim, (label + 1) * dim);
    },
    upsert(id, v) {
      let label = s.idToLabel.get(id);
      if (label === undefined) {
        label = s.free.pop();
        if (label === undefined) {
          if (s.nextLabel >= s.capacity) grow();
          label = s.nextLabel++;
        }
        s.idToLabel.set(id, label);
        s.labelIds[label] = id;
      }
      s.store.set(v, label * dim);
      // A reused (deleted) label is unmarked and updated in place by hnswlib.
      s.index.addPoint(toScratch(v), label);
    },
    delete(id) {
      const label = s.idToLabel.get(id);
      if (label === undefined) return false;
      removeLabel(label, id);
      return true;
    },
    rename(from, to) {
      const label = s.idToLabel.get(from);
      if (label === undefined) return false;
      if (from === to) return true;
      const existing = s.idToLabel.get(to);
      if (existing !== undefined) removeLabel(existing, to);
      s.idToLabel.delete(from);
      s.idToLabel.set(to, label);
      s.labelIds[label] = to;
      return true;
    },
    idsWithPrefix(prefix) {
      const out: string[] = [];
      for (const id of s.idToLabel.keys()) if (id.startsWith(prefix)) out.push(id);
      return out;
    },
    search(query, k, ef, prefix, exact) {
      const live = s.idToLabel.size;
      if (live === 0) return { ids: [], distances: [], mode: exact || live <= tuning.exactBelow ? 'exact' : 'hnsw' };
      if (prefix !== null && prefix !== '') {
        const matches = countPrefix(prefix);
        if (matches === 0) return { ids: [], distances: [], mode: 'exact-filtered' };
        if (exact || matches <= tuning.exactBelow || matches <= live * tuning.exactFilterFraction) {
          return { ...exactSearch(query, Math.min(k, matches), prefix), mode: 'exact-filtered' };
        }
        const kk = Math.min(k, matches);
        s.index.setEf(Math.max(ef, kk));
        const labelIds = s.labelIds;
        const res = s.index.searchKnn(toScratch(query), kk, (label) => labelIds[label]?.startsWith(prefix) === true);
        return { ids: res.neighbors.map((l) => labelIds[l]!), distances: res.distances, mode: 'hnsw-filtered' };
      }
      const kk = Math.min(k, live);
      if (exact || live <= tuning.exactBelow) return { ...exactSearch(query, kk, null), mode: 'exact' };
      s.index.setEf(Math.max(ef, kk));
      const res = s.index.searchKnn(toScratch(query), kk);
      return { ids: res.neighbors.map((l) => s.labelIds[l]!), distances: res.distances, mode: 'hnsw' };
    },
    save(dir) {
      mkdirSync(dir, { recursive: true });
      s.index.writeIndexSync(path.join(dir, 'index.hnsw'));
      const used = s.store.subarray(0, s.nextLabel * dim);
      writeFileSync(path.join(dir, 'vectors.f32'), Buffer.from(used.buffer, used.byteOffset, used.byteLength));
      const meta: SavedMeta = { version: 1, spec, nextLabel: s.nextLabel, labelIds: s.labelIds.slice(0, s.nextLabel).map((x) => x ?? null), free: s.free };
      writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
    },
    bytes() {
      return s.store.byteLength + s.capacity * (dim * 4 + spec.M * 2 * 4 + 64);
    },
  };
}
