import type { VexEvent } from '../../events/types.js';
import type { EventLog } from '../../log/event-log.js';
import { createCollection, type Collection, type CollectionSpec, type CollectionTuning } from './collection.js';
import { METRICS, selectKernels, type DistanceKernels, type Metric } from './kernels.js';
import { float32FromBytes } from './vector-input.js';

/** Vector event ops (the `op` of kind=vector events). Writes change state and are replayed; reads are not. */
export const VectorOps = {
  CREATE: 'create_collection',
  DROP: 'drop_collection',
  LIST: 'list_collections',
  DESCRIBE: 'describe_collection',
  UPSERT: 'upsert',
  DELETE: 'delete',
  RENAME: 'rename',
  GET: 'get',
  SEARCH: 'search',
  SEARCH_BATCH: 'search_batch',
} as const;

/** Default tuning of collections. */
export const DEFAULT_TUNING: CollectionTuning = { exactBelow: 512, exactFilterFraction: 0.1, initialCapacity: 1024 };

/**
 * The in-memory state of every collection, changed only through the write operations below —
 * the same functions live calls and replayed events go through, so replaying a node's vector
 * events in seq order rebuilds the same state (same HNSW graph: fixed seed, same call order).
 * No validation here: callers pass checked input.
 */
export interface VectorStore {
  readonly collections: Map<string, Collection>;
  readonly kernels: DistanceKernels;
  readonly tuning: CollectionTuning;
  /** Seq of the last event applied or covered (0 = none). */
  lastSeq: number;
  create(spec: CollectionSpec): Collection;
  drop(name: string): boolean;
  upsert(collection: string, ids: readonly string[], vectors: readonly Float32Array[]): void;
  delete(collection: string, ids: readonly string[]): number;
  /** `pairs` = [from1, to1, from2, to2, ...]. */
  rename(collection: string, pairs: readonly string[]): number;
  /** Applies one successful vector write event (others are ignored); returns true when it changed state. */
  apply(ev: VexEvent): boolean;
}

/** Creates an empty store. */
export function createVectorStore(opts: { kernels?: DistanceKernels; tuning?: Partial<CollectionTuning> } = {}): VectorStore {
  const collections = new Map<string, Collection>();
  const kernels = opts.kernels ?? selectKernels('auto');
  const tuning: CollectionTuning = { ...DEFAULT_TUNING, ...opts.tuning };
  const store: VectorStore = {
    collections, kernels, tuning, lastSeq: 0,
    create(spec) {
      const c = createCollection(spec, kernels, tuning);
      collections.set(spec.name, c);
      return c;
    },
    drop(name) { return collections.delete(name); },
    upsert(collection, ids, vectors) {
      const c = collections.get(collection)!;
      for (let i = 0; i < ids.length; i++) c.upsert(ids[i]!, vectors[i]!);
    },
    delete(collection, ids) {
      const c = collections.get(collection)!;
      let n = 0;
      for (const id of ids) if (c.delete(id)) n++;
      return n;
    },
    rename(collection, pairs) {
      const c = collections.get(collection)!;
      let n = 0;
      for (let i = 0; i + 1 < pairs.length; i += 2) if (c.rename(pairs[i]!, pairs[i + 1]!)) n++;
      return n;
    },
    apply(ev) {
      if (ev.kind !== 'vector') return false;
      if (ev.seq > store.lastSeq) store.lastSeq = ev.seq;
      const p = (ev as VexEvent<'vector'>).payload;
      if (p.errorCode !== null) return false;
      const c = collections.get(p.collection);
      switch (ev.op) {
        case VectorOps.CREATE:
          if (c !== undefined) return false;
          store.create(specFromEvent(p.collection, p.dim, p.metric, p.params));
          return true;
        case VectorOps.DROP:
          return store.drop(p.collection);
        case VectorOps.UPSERT:
          if (c === undefined) return false;
          store.upsert(p.collection, p.ids, p.vectors.map(float32FromBytes));
          return true;
        case VectorOps.DELETE:
          if (c === undefined) return false;
          return store.delete(p.collection, p.ids) > 0;
        case VectorOps.RENAME:
          if (c === undefined) return false;
          return store.rename(p.collection, p.ids) > 0;
        default:
          return false;
      }
    },
  };
  return store;
}

/** The spec recorded by a create_collection event (params carry M, efConstruction, ef). */
function specFromEvent(name: string, dim: number, metric: string, params: Record<string, string>): CollectionSpec {
  const int = (k: string, dflt: number) => { const v = Number(params[k]); return Number.isInteger(v) && v > 0 ? v : dflt; };
  return {
    name, dim,
    metric: (METRICS as readonly string[]).includes(metric) ? (metric as Metric) : 'l2',
    M: int('M', 16), efConstruction: int('efConstruction', 200), ef: int('ef', 64),
  };
}

/** The params a create_collection event records (specFromEvent reads them back). */
export function specParams(spec: CollectionSpec): Record<string, string> {
  return { M: String(spec.M), efConstruction: String(spec.efConstruction), ef: String(spec.ef) };
}

/**
 * Rebuilds the vector state from events alone (the events are the source of truth): applies
 * every successful vector write in the order given (the node's seq order). Other events are skipped.
 */
export function rebuildFromEvents(events: Iterable<VexEvent>, opts: { kernels?: DistanceKernels; tuning?: Partial<CollectionTuning> } = {}): VectorStore {
  const store = createVectorStore(opts);
  for (const ev of events) store.apply(ev);
  return store;
}

/** Applies the vector events of `log` after `store.lastSeq`; returns how many changed state. */
export async function replayLog(store: VectorStore, log: EventLog): Promise<number> {
  let applied = 0;
  for await (const batch of log.read({ from: store.lastSeq + 1 })) {
    for (const { event } of batch) {
      if (event.seq <= store.lastSeq) continue;
      if (store.apply(event)) applied++;
    }
  }
  return applied;
}
