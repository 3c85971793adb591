import path from 'node:path';
import { ErrorCodes, VexfsError } from '../../errors.js';
import { vectorPayload } from '../../events/payloads.js';
import type { VectorPayload } from '../../events/types.js';
import { metrics } from '../../metrics/registry.js';
import { sharedBufferPool, type PoolStats } from './buffer-pool.js';
import type { Collection, CollectionSpec, SearchMode } from './collection.js';
import { selectKernels, type Isa, type Metric } from './kernels.js';
import { resolveSpec, resolveVectorOptions, isCollectionName, type CollectionInput, type VectorServiceOptions } from './options.js';
import { loadSnapshot, saveSnapshot } from './snapshot.js';
import { decodeEmbedding, float32Bytes, toPooledFloat32, type VectorInput } from './vector-input.js';
import { createVectorStore, replayLog, specParams, VectorOps, type VectorStore } from './vector-store.js';

/** A collection as callers see it. */
export interface CollectionInfo {
  name: string;
  dim: number;
  metric: Metric;
  M: number;
  efConstruction: number;
  ef: number;
  /** Live vectors. */
  count: number;
  /** Approximate memory held, in bytes. */
  bytes: number;
}

/** Options of one search. Unknown keys are refused. */
export interface SearchOptions {
  /** Neighbours to return, 1..maxK. Default 10. */
  k?: number;
  /** HNSW candidate list size, ≥ k. Default: the collection's ef (raised to k when smaller). */
  ef?: number;
  /** Only ids starting with this prefix (e.g. a directory '/docs/'). */
  prefix?: string;
  /** Exact brute-force search instead of HNSW. Default false (automatic for small collections). */
  exact?: boolean;
}

/** One search hit. Distances: l2 = squared euclidean, cosine = 1 − cos, ip = 1 − a·b. */
export interface SearchHit { id: string; distance: number }

/** An item of upsertBatch. */
export interface UpsertItem { id: string; vector: VectorInput }

/**
 * The vector service: collections, vectors and searches, each operation emitting one `vector`
 * event (failures included, with errorCode and errorMessage). All operations are synchronous
 * (in-memory HNSW). Bad input throws a VexfsError and changes nothing.
 * This is the module the HTTP API, the CLI and the filesystem hooks call.
 */
export interface VectorService {
  createCollection(input: CollectionInput): CollectionInfo;
  listCollections(): CollectionInfo[];
  describe(name: string): CollectionInfo;
  /** Removes a collection and its vectors. UNKNOWN_COLLECTION when absent. */
  drop(name: string): void;
  /** Inserts or replaces the vector of `id`. */
  upsert(collection: string, id: string, vector: VectorInput): void;
  /** Inserts or replaces many vectors, all or nothing; returns how many. Duplicate ids: the last wins. */
  upsertBatch(collection: string, items: readonly UpsertItem[]): number;
  /** Removes `id` (or several ids); returns how many existed. Absent ids are not an error. */
  delete(collection: string, ids: string | readonly string[]): number;
  /** Moves vectors to new ids (file renames): [from, to] pairs; a `to` that exists is replaced. Returns how many moved. */
  rename(collection: string, pairs: ReadonlyArray<readonly [string, string]>): number;
  /** A copy of the stored vector of `id`, or null. */
  get(collection: string, id: string): Float32Array | null;
  /** The k nearest vectors to `vector`, nearest first. */
  search(collection: string, vector: VectorInput, opts?: SearchOptions): SearchHit[];
  /** One search per vector (one event each), results in the same order. */
  searchBatch(collection: string, vectors: readonly VectorInput[], opts?: SearchOptions): SearchHit[][];
  /** The k nearest to the stored vector of `id`, excluding `id` itself. NOT_FOUND when `id` has no vector. */
  searchById(collection: string, id: string, opts?: SearchOptions): SearchHit[];
  /** Validates and stores an xattr value (float32 LE bytes or JSON array) as the vector of `id`. */
  upsertEncoded(collection: string, id: string, bytes: Uint8Array): void;
  /** Collections holding a vector for `id` (no event: a local lookup). */
  locate(id: string): string[];
  /** Names of the collections (no event: a local lookup). */
  collectionNames(): string[];
  /** Ids of `collection` starting with `prefix` (no event: a local lookup). */
  idsWithPrefix(collection: string, prefix: string): string[];
  /** Creates the default collection (defaultDim, defaultMetric) if missing; returns its name. */
  ensureDefaultCollection(): string;
  readonly defaultCollection: string;
  /** Writes a snapshot now (index + id map + seq of the last event covered). */
  snapshot(): void;
  /** Kernel implementation and ISA, pool counters, totals. */
  stats(): { kernels: { impl: 'simsimd' | 'js'; source: 'addon' | 'simsimd-binding' | 'js'; isa: Isa }; pool: PoolStats; collections: number; vectors: number; snapshotSeq: number; replayed: number; snapshotError: string | null };
  /** Writes a final snapshot. Idempotent. */
  close(): Promise<void>;
}

const MAX_ID = 4096;

function badArg(message: string, context: Record<string, unknown> = {}): never {
  throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, message, { context });
}
function checkId(id: unknown, what = 'id'): string {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID) badArg(`${what} must be a non-empty string of at most ${MAX_ID} characters (got ${typeof id === 'string' ? `${id.length} characters` : typeof id})`, { key: what });
  return id;
}
const isInt32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;

/**
 * Creates the vector service: loads the snapshot under `<dataDir>/vector/`, then replays the
 * vector events after it from `log` (the events are the source of truth), then serves.
 */
export async function createVectorService(options: VectorServiceOptions): Promise<VectorService> {
  const o = resolveVectorOptions(options);
  const { emitter } = o;
  const pool = o.pool ?? sharedBufferPool();
  const kernels = selectKernels(o.kernels);
  const tuning = { exactBelow: o.exactBelow, exactFilterFraction: o.exactFilterFraction };
  const dir = path.join(o.dataDir, 'vector');
  let snapshotError: string | null = null;
  let loaded: VectorStore | null = null;
  try {
    loaded = loadSnapshot(dir, { kernels, tuning });
  } catch (err) {
    // The events are the source of truth: an unreadable snapshot only costs a full replay.
    if (!o.log) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `vector snapshot in ${dir} is unreadable (${(err as Error).message}) and no log was given to rebuild from`, { context: { key: 'dataDir', value: o.dataDir }, cause: err });
    snapshotError = (err as Error).message;
  }
  const store: VectorStore = loaded ?? createVectorStore({ kernels, tuning });
  const snapshotSeq = store.lastSeq;
  const replayed = o.log ? await replayLog(store, o.log) : 0;
  let writesSinceSnapshot = replayed;
  let closed = false;

  /** Runs one operation and emits its event (success or failure); `fill` sets payload fields and returns the result. */
  function run<T>(op: string, collection: unknown, fill: (p: VectorPayload) => T, write = false): T {
    const t0 = performance.now();
    const name = typeof collection === 'string' ? collection : String(collection);
    const p = vectorPayload({ collection: name });
    let result: T;
    try {
      result = fill(p);
    } catch (err) {
      const code = err instanceof VexfsError ? err.code : 'VEXFS_INTERNAL';
      p.errorCode = code;
      p.errorMessage = err instanceof Error ? err.message : String(err);
      p.latencyUs = Math.floor((performance.now() - t0) * 1000);
      sanitize(p);
      emitter.emit({ kind: 'vector', op, key: name, payload: p });
      metrics.vectorOps.inc({ op, result: code });
      throw err;
    }
    p.latencyUs = Math.floor((performance.now() - t0) * 1000);
    emitter.emit({ kind: 'vector', op, key: name, payload: p });
    metrics.vectorOps.inc({ op, result: 'ok' });
    if (write) { store.lastSeq = emitter.seq; maybeSnapshot(1); }
    return result;
  }
  /** Keeps a failure event encodable whatever the caller passed. */
  function sanitize(p: VectorPayload): void {
    if (!isInt32(p.k)) { p.params.k = String(p.k); p.k = 0; }
    if (!isInt32(p.ef)) { p.params.ef = String(p.ef); p.ef = 0; }
    if (!isInt32(p.dim)) p.dim = 0;
    p.ids = p.ids.filter((x) => typeof x === 'string');
  }
  function maybeSnapshot(n: number): void {
    writesSinceSnapshot += n;
    if (o.snapshotEvery > 0 && writesSinceSnapshot >= o.snapshotEvery) service.snapshot();
  }
  function collectionOf(p: VectorPayload, name: unknown): Collection {
    if (typeof name !== 'string') badArg(`collection name must be a string (got ${typeof name})`, { key: 'collection' });
    const c = store.collections.get(name);
    if (c === undefined) {
      throw new VexfsError(ErrorCodes.UNKNOWN_COLLECTION, `collection '${name}' does not exist`, { context: { collection: name } });
    }
    p.dim = c.spec.dim;
    p.metric = c.spec.metric;
    return c;
  }
  function info(c: Collection): CollectionInfo {
    const s = c.spec;
    return { name: s.name, dim: s.dim, metric: s.metric, M: s.M, efConstruction: s.efConstruction, ef: s.ef, count: c.size, bytes: c.bytes() };
  }
  /** Checks search options; returns k and ef to use. */
  function searchParams(p: VectorPayload, c: Collection, opts: SearchOptions | undefined): { k: number; ef: number; prefix: string | null; exact: boolean } {
    const so = opts ?? {};
    if (so === null || typeof so !== 'object') badArg('search options must be an object');
    for (const key in so) {
      if (key !== 'k' && key !== 'ef' && key !== 'prefix' && key !== 'exact' && Object.hasOwn(so, key)) badArg(`unknown search option '${key}'; allowed: k, ef, prefix, exact`, { key });
    }
    const k = so.k ?? 10;
    p.k = k;
    if (typeof k !== 'number' || !Number.isInteger(k) || k <= 0 || k > o.maxK) badArg(`k=${String(k)} is invalid: an integer in 1..${o.maxK}`, { key: 'k', value: k });
    let ef = Math.max(c.spec.ef, k);
    if (so.ef !== undefined) {
      p.ef = so.ef;
      if (typeof so.ef !== 'number' || !Number.isInteger(so.ef) || so.ef > 100_000) badArg(`ef=${String(so.ef)} is invalid: an integer in k..100000`, { key: 'ef', value: so.ef });
      if (so.ef < k) badArg(`ef=${so.ef} is smaller than k=${k}: HNSW needs ef >= k`, { key: 'ef', value: so.ef });
      ef = so.ef;
    }
    p.ef = ef;
    const prefix = so.prefix ?? null;
    if (prefix !== null && typeof prefix !== 'string') badArg(`prefix must be a string (got ${typeof prefix})`, { key: 'prefix' });
    if (prefix) p.params.prefix = prefix;
    if (so.exact !== undefined && typeof so.exact !== 'boolean') badArg(`exact must be a boolean (got ${typeof so.exact})`, { key: 'exact' });
    return { k, ef, prefix, exact: so.exact === true };
  }
  function recordResults(p: VectorPayload, c: Collection, ids: string[], distances: number[], mode: SearchMode, t0: number): SearchHit[] {
    p.resultIds = ids;
    p.distances = distances;
    p.params.mode = mode;
    metrics.vectorSearchDuration.observe({ collection: c.spec.name }, (performance.now() - t0) / 1000);
    const hits = new Array<SearchHit>(ids.length);
    for (let i = 0; i < ids.length; i++) hits[i] = { id: ids[i]!, distance: distances[i]! };
    return hits;
  }
  function searchOne(collection: string, vector: VectorInput, opts: SearchOptions | undefined, extra?: Record<string, string>): SearchHit[] {
    let q: Float32Array | null = null;
    try {
      return run(VectorOps.SEARCH, collection, (p) => {
        const t0 = performance.now();
        if (extra) Object.assign(p.params, extra);
        const c = collectionOf(p, collection);
        const sp = searchParams(p, c, opts);
        q = toPooledFloat32(vector, c.spec.dim, pool, 'query vector');
        checkDirection(c.spec, q, 'query vector');
        const r = c.search(q, sp.k, sp.ef, sp.prefix, sp.exact);
        return recordResults(p, c, r.ids, r.distances, r.mode, t0);
      });
    } finally {
      if (q !== null) pool.release(q);
    }
  }
  function checkDirection(spec: CollectionSpec, v: Float32Array, what: string): void {
    if (spec.metric !== 'cosine') return;
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) return;
    throw new VexfsError(ErrorCodes.INVALID_VECTOR, `${what} is all zeros: a zero vector has no direction under the cosine metric of collection '${spec.name}'`);
  }

  const service: VectorService = {
    defaultCollection: o.defaultCollection,

    createCollection(input) {
      return run(VectorOps.CREATE, (input as { name?: unknown } | null)?.name ?? '', (p) => {
        const spec = resolveSpec(input, o);
        p.dim = spec.dim; p.metric = spec.metric; p.ef = spec.efConstruction; p.params = specParams(spec);
        if (store.collections.has(spec.name)) {
          throw new VexfsError(ErrorCodes.COLLECTION_EXISTS, `collection '${spec.name}' already exists`, { context: { collection: spec.name } });
        }
        return info(store.create(spec));
      }, true);
    },
    listCollections() {
      return run(VectorOps.LIST, '*', (p) => {
        const list = [...store.collections.values()].map(info);
        p.ids = list.map((c) => c.name);
        return list;
      });
    },
    describe(name) {
      return run(VectorOps.DESCRIBE, name, (p) => info(collectionOf(p, name)));
    },
    drop(name) {
      run(VectorOps.DROP, name, (p) => {
        const c = collectionOf(p, name);
        p.params.count = String(c.size);
        store.drop(name);
      }, true);
    },
    upsert(collection, id, vector) {
      let v: Float32Array | null = null;
      try {
        run(VectorOps.UPSERT, collection, (p) => {
          const c = collectionOf(p, collection);
          p.ids = [checkId(id)];
          v = toPooledFloat32(vector, c.spec.dim, pool);
          checkDirection(c.spec, v, 'vector');
          store.upsert(c.spec.name, p.ids, [v]);
          p.vectors = [float32Bytes(v)];
        }, true);
      } finally {
        if (v !== null) pool.release(v);
      }
    },
    upsertEncoded(collection, id, bytes) {
      let v: Float32Array | null = null;
      try {
        run(VectorOps.UPSERT, collection, (p) => {
          p.params.source = 'xattr';
          const c = collectionOf(p, collection);
          p.ids = [checkId(id)];
          v = decodeEmbedding(bytes, c.spec.dim, pool);
          checkDirection(c.spec, v, 'embedding');
          store.upsert(c.spec.name, p.ids, [v]);
          p.vectors = [float32Bytes(v)];
        }, true);
      } finally {
        if (v !== null) pool.release(v);
      }
    },
    upsertBatch(collection, items) {
      const c0 = typeof collection === 'string' ? store.collections.get(collection) : undefined;
      // Validate everything first (one failure event, nothing changed), then apply and emit in
      // chunks of at most maxEventBytes of vector data, each chunk one upsert event.
      let matrix: Float32Array | null = null;
      let ids: string[] = [];
      const dim = c0?.spec.dim ?? 0;
      const perEvent = Math.max(1, Math.floor(o.maxEventBytes / Math.max(1, dim * 4)));
      const first = Math.min(perEvent, Array.isArray(items) ? items.length : 0);
      run(VectorOps.UPSERT, collection, (p) => {
        const c = collectionOf(p, collection);
        if (!Array.isArray(items)) badArg(`items must be an array of {id, vector} (got ${typeof items})`, { key: 'items' });
        if (items.length === 0) badArg('items is empty: give at least one {id, vector}', { key: 'items' });
        p.params.batch = String(items.length);
        matrix = new Float32Array(items.length * dim);
        ids = new Array<string>(items.length);
        for (let i = 0; i < items.length; i++) {
          const item = items[i];
          try {
            if (item === null || typeof item !== 'object') badArg(`must be an object {id, vector}`);
            ids[i] = checkId(item.id);
            const v = toPooledFloat32(item.vector, dim, pool);
            try { checkDirection(c.spec, v, 'vector'); matrix.set(v, i * dim); } finally { pool.release(v); }
          } catch (err) {
            p.ids = ids.slice(0, i).concat(typeof item?.id === 'string' ? [item.id] : []);
            if (err instanceof VexfsError) throw new VexfsError(err.code, `items[${i}]: ${err.message}`, { context: { ...err.context, index: i } });
            throw err;
          }
        }
        const rows = (from: number, to: number) => Array.from({ length: to - from }, (_, j) => matrix!.subarray((from + j) * dim, (from + j + 1) * dim));
        const firstRows = rows(0, first);
        store.upsert(c.spec.name, ids.slice(0, first), firstRows);
        p.ids = ids.slice(0, first);
        p.vectors = firstRows.map(float32Bytes);
      }, true);
      for (let from = first; from < ids.length; from += perEvent) {
        const to = Math.min(ids.length, from + perEvent);
        run(VectorOps.UPSERT, collection, (p) => {
          const c = collectionOf(p, collection);
          const rows = Array.from({ length: to - from }, (_, j) => matrix!.subarray((from + j) * dim, (from + j + 1) * dim));
          p.params.batch = String(ids.length);
          p.params.batchOffset = String(from);
          p.ids = ids.slice(from, to);
          store.upsert(c.spec.name, p.ids, rows);
          p.vectors = rows.map(float32Bytes);
        }, true);
      }
      return ids.length;
    },
    delete(collection, idOrIds) {
      return run(VectorOps.DELETE, collection, (p) => {
        const c = collectionOf(p, collection);
        const list = typeof idOrIds === 'string' ? [idOrIds] : idOrIds;
        if (!Array.isArray(list) || list.length === 0) badArg('ids must be a non-empty string or array of strings', { key: 'ids' });
        p.ids = list.map((id) => checkId(id));
        const n = store.delete(c.spec.name, p.ids);
        p.params.deleted = String(n);
        return n;
      }, true);
    },
    rename(collection, pairs) {
      return run(VectorOps.RENAME, collection, (p) => {
        const c = collectionOf(p, collection);
        if (!Array.isArray(pairs) || pairs.length === 0) badArg('pairs must be a non-empty array of [from, to]', { key: 'pairs' });
        const flat: string[] = [];
        for (const pair of pairs) {
          if (!Array.isArray(pair) || pair.length !== 2) badArg('each rename pair must be [from, to]', { key: 'pairs' });
          flat.push(checkId(pair[0], 'from'), checkId(pair[1], 'to'));
        }
        p.ids = flat;
        const n = store.rename(c.spec.name, flat);
        p.params.renamed = String(n);
        return n;
      }, true);
    },
    get(collection, id) {
      return run(VectorOps.GET, collection, (p) => {
        const c = collectionOf(p, collection);
        p.ids = [checkId(id)];
        const v = c.get(id);
        p.params.found = v === null ? 'false' : 'true';
        return v === null ? null : v.slice();
      });
    },
    search(collection, vector, opts) {
      return searchOne(collection, vector, opts);
    },
    searchBatch(collection, vectors, opts) {
      if (!Array.isArray(vectors) || vectors.length === 0) {
        return run(VectorOps.SEARCH, collection, (p) => {
          collectionOf(p, collection);
          return badArg('vectors must be a non-empty array of query vectors', { key: 'vectors' });
        });
      }
      const n = String(vectors.length);
      return vectors.map((v, i) => searchOne(collection, v, opts, { batch: n, batchIndex: String(i) }));
    },
    searchById(collection, id, opts) {
      return run(VectorOps.SEARCH, collection, (p) => {
        const t0 = performance.now();
        const c = collectionOf(p, collection);
        p.ids = [checkId(id)];
        const sp = searchParams(p, c, opts);
        const v = c.get(id);
        if (v === null) throw new VexfsError(ErrorCodes.NOT_FOUND, `'${id}' has no vector in collection '${c.spec.name}'`, { context: { collection: c.spec.name, id } });
        p.params.similarTo = id;
        // One extra neighbour, as the vector itself is its own nearest.
        const q = pool.acquireFloat32(c.spec.dim);
        try {
          q.set(v);
          const r = c.search(q, Math.min(sp.k + 1, o.maxK + 1), Math.max(sp.ef, sp.k + 1), sp.prefix, sp.exact);
          const keep = r.ids.map((x, i) => i).filter((i) => r.ids[i] !== id).slice(0, sp.k);
          return recordResults(p, c, keep.map((i) => r.ids[i]!), keep.map((i) => r.distances[i]!), r.mode, t0);
        } finally {
          pool.release(q);
        }
      });
    },
    locate(id) {
      const out: string[] = [];
      for (const [name, c] of store.collections) if (c.has(id)) out.push(name);
      return out;
    },
    collectionNames() {
      return [...store.collections.keys()];
    },
    idsWithPrefix(collection, prefix) {
      return store.collections.get(collection)?.idsWithPrefix(prefix) ?? [];
    },
    ensureDefaultCollection() {
      if (!store.collections.has(o.defaultCollection)) {
        service.createCollection({ name: o.defaultCollection, dim: o.defaultDim, metric: o.defaultMetric });
      }
      return o.defaultCollection;
    },
    snapshot() {
      saveSnapshot(store, dir, Math.max(emitter.seq, store.lastSeq));
      writesSinceSnapshot = 0;
    },
    stats() {
      let vectors = 0;
      for (const c of store.collections.values()) vectors += c.size;
      return { kernels: { impl: kernels.impl, source: kernels.source, isa: kernels.isa }, pool: pool.stats(), collections: store.collections.size, vectors, snapshotSeq, replayed, snapshotError };
    },
    async close() {
      if (closed) return;
      closed = true;
      service.snapshot();
    },
  };
  return service;
}

export { isCollectionName };
