import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createBruteForceIndex, loadBruteForceIndex, type BruteForceIndex } from './bruteforce-index.js';
import { createHnswIndex, loadHnswIndex } from './hnsw-index.js';
import type { DistanceKernels, Metric } from './kernels.js';
import type { IndexParams, VectorIndex } from './vector-index.js';

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
  /**
   * The approximate index (the VectorIndex port) of a collection: hnswlib by default
   * (`createHnswIndex`); `createBruteForceIndex` makes every search exact.
   */
  annFactory?: (params: IndexParams, kernels: DistanceKernels) => VectorIndex;
}

/**
 * One collection: string ids mapped to integer labels over two VectorIndex adapters: the
 * approximate one (hnswlib, `ann`) and the exact one (brute force over a contiguous
 * Float32Array of every vector, rows indexed by label), which also serves `get`, exact search
 * and snapshots. String ids map to
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

interface State {
  ann: VectorIndex;
  exact: BruteForceIndex;
  labelIds: (string | null)[];
  idToLabel: Map<string, number>;
  free: number[];
  nextLabel: number;
}

function indexParams(spec: CollectionSpec, tuning: CollectionTuning): IndexParams {
  return { dim: spec.dim, metric: spec.metric, M: spec.M, efConstruction: spec.efConstruction, initialCapacity: Math.max(16, tuning.initialCapacity) };
}

/** Creates an empty collection. */
export function createCollection(spec: CollectionSpec, kernels: DistanceKernels, tuning: CollectionTuning): Collection {
  const params = indexParams(spec, tuning);
  const ann = (tuning.annFactory ?? createHnswIndex)(params, kernels);
  return wrap(spec, tuning, { ann, exact: createBruteForceIndex(params, kernels), labelIds: [], idToLabel: new Map(), free: [], nextLabel: 0 });
}

interface SavedMeta { version: 1; spec: CollectionSpec; nextLabel: number; labelIds: (string | null)[]; free: number[]; ann?: 'hnsw' | 'bruteforce' }

/** Loads a collection saved by `save(dir)`. */
export function loadCollection(dir: string, kernels: DistanceKernels, tuning: CollectionTuning): Collection {
  const meta = JSON.parse(readFileSync(path.join(dir, 'meta.json'), 'utf8')) as SavedMeta;
  const { spec } = meta;
  const params = indexParams(spec, tuning);
  const labelIds = meta.labelIds;
  const live = (l: number) => labelIds[l] != null;
  const exact = loadBruteForceIndex(path.join(dir, 'vectors.f32'), params, kernels, live, meta.nextLabel);
  let ann: VectorIndex;
  if (meta.ann === 'bruteforce' || (tuning.annFactory !== undefined && tuning.annFactory !== createHnswIndex)) {
    // A non-HNSW approximate index is rebuilt from the stored vectors.
    ann = (tuning.annFactory ?? createHnswIndex)(params, kernels);
    for (let l = 0; l < meta.nextLabel; l++) { const v = exact.vector(l); if (v !== null) ann.add(l, v); }
  } else {
    ann = loadHnswIndex(path.join(dir, 'index.hnsw'), params, live, meta.nextLabel);
  }
  const idToLabel = new Map<string, number>();
  labelIds.forEach((id, label) => { if (id !== null) idToLabel.set(id, label); });
  return wrap(spec, tuning, { ann, exact, labelIds, idToLabel, free: meta.free, nextLabel: meta.nextLabel });
}

function wrap(spec: CollectionSpec, tuning: CollectionTuning, s: State): Collection {
  const { ann, exact } = s;

  function idsOf(labels: number[]): string[] {
    const ids = new Array<string>(labels.length);
    for (let i = 0; i < labels.length; i++) ids[i] = s.labelIds[labels[i]!]!;
    return ids;
  }
  function exactSearch(query: Float32Array, k: number, prefix: string | null): { ids: string[]; distances: number[] } {
    const rows = exact.rowScratch(s.nextLabel);
    let n = 0;
    for (let label = 0; label < s.nextLabel; label++) {
      const id = s.labelIds[label];
      if (id == null || (prefix !== null && !id.startsWith(prefix))) continue;
      rows[n++] = label;
    }
    const r = exact.searchRows(query, k, rows, n);
    return { ids: idsOf(r.labels), distances: r.distances };
  }
  function countPrefix(prefix: string): number {
    let n = 0;
    for (const id of s.idToLabel.keys()) if (id.startsWith(prefix)) n++;
    return n;
  }
  function removeLabel(label: number, id: string): void {
    ann.remove(label);
    exact.remove(label);
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
      return label === undefined ? null : exact.vector(label);
    },
    upsert(id, v) {
      let label = s.idToLabel.get(id);
      if (label === undefined) {
        label = s.free.pop() ?? s.nextLabel++;
        s.idToLabel.set(id, label);
        s.labelIds[label] = id;
      }
      exact.add(label, v);
      ann.add(label, v);
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
    search(query, k, ef, prefix, exactOnly) {
      const live = s.idToLabel.size;
      if (live === 0) return { ids: [], distances: [], mode: exactOnly || live <= tuning.exactBelow ? 'exact' : 'hnsw' };
      if (prefix !== null && prefix !== '') {
        const matches = countPrefix(prefix);
        if (matches === 0) return { ids: [], distances: [], mode: 'exact-filtered' };
        if (exactOnly || matches <= tuning.exactBelow || matches <= live * tuning.exactFilterFraction) {
          return { ...exactSearch(query, Math.min(k, matches), prefix), mode: 'exact-filtered' };
        }
        const labelIds = s.labelIds;
        const r = ann.search(query, Math.min(k, matches), ef, (label) => labelIds[label]?.startsWith(prefix) === true);
        return { ids: idsOf(r.labels), distances: r.distances, mode: 'hnsw-filtered' };
      }
      const kk = Math.min(k, live);
      if (exactOnly || live <= tuning.exactBelow) return { ...exactSearch(query, kk, null), mode: 'exact' };
      const r = ann.search(query, kk, ef, null);
      return { ids: idsOf(r.labels), distances: r.distances, mode: 'hnsw' };
    },
    save(dir) {
      mkdirSync(dir, { recursive: true });
      if (ann.kind === 'hnsw') ann.save(path.join(dir, 'index.hnsw'));
      exact.save(path.join(dir, 'vectors.f32'));
      const meta: SavedMeta = { version: 1, spec, nextLabel: s.nextLabel, labelIds: s.labelIds.slice(0, s.nextLabel).map((x) => x ?? null), free: s.free, ann: ann.kind };
      writeFileSync(path.join(dir, 'meta.json'), JSON.stringify(meta));
    },
    bytes() {
      return exact.bytes() + (ann.kind === 'hnsw' ? ann.bytes() : 0);
    },
  };
}
