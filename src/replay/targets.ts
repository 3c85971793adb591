import { createHash } from 'node:crypto';
import type { VexEvent } from '../events/types.js';
import type { LoggedEvent } from '../log/event-log.js';
import type { Batch, Sink } from '../sinks/sink.js';
import { createFileCatalog, MUTATING_OPS, type CatalogOptions, type FileCatalog } from './file-catalog.js';
import type { ReplayTarget } from './replay.js';

/** Replays fs events into a fresh file catalog. */
export function catalogTarget(opts: CatalogOptions = {}): ReplayTarget & { catalog: FileCatalog } {
  const catalog = createFileCatalog(opts);
  return {
    name: 'catalog',
    catalog,
    // the catalog changes only on mutating fs ops: a raw-record replay skips decoding the rest
    accepts: { kinds: ['fs'], ops: { fs: MUTATING_OPS } },
    apply(batch) { for (const e of batch) catalog.apply(e.event); },
    stateHash: () => catalog.stateHash({ mode: true, times: true }),
  };
}

/**
 * What replay needs of a vector store (src/producers/vector: createVectorStore() fits):
 * apply one event in seq order, and enumerate collections, ids and vectors for the state hash.
 */
export interface ReplayableVectorStore {
  apply(ev: VexEvent): boolean;
  readonly collections: Map<string, { readonly spec: { name: string; dim: number; metric: string }; idsWithPrefix(prefix: string): string[]; get(id: string): Float32Array | null }>;
}

/** A read-only view of vector state (a VectorStore or the live VectorService) for hashing. */
export interface VectorStateView {
  collections(): { name: string; dim: number; metric: string }[];
  ids(collection: string): string[];
  get(collection: string, id: string): Float32Array | null;
}

/** View of a store (rebuilt or snapshot). */
export function storeView(store: ReplayableVectorStore): VectorStateView {
  return {
    collections: () => [...store.collections.values()].map((c) => ({ name: c.spec.name, dim: c.spec.dim, metric: c.spec.metric })),
    ids: (name) => store.collections.get(name)?.idsWithPrefix('') ?? [],
    get: (name, id) => store.collections.get(name)?.get(id) ?? null,
  };
}

/** View of the live vector service (its public API: listCollections, idsWithPrefix, get). */
export function serviceView(svc: { listCollections(): { name: string; dim: number; metric: string }[]; idsWithPrefix(c: string, p: string): string[]; get(c: string, id: string): Float32Array | null }): VectorStateView {
  return { collections: () => svc.listCollections().map((c) => ({ name: c.name, dim: c.dim, metric: c.metric })), ids: (c) => svc.idsWithPrefix(c, ''), get: (c, id) => svc.get(c, id) };
}

/** SHA-256 over every collection (name, dim, metric) and every id with its vector bytes, sorted. */
export function vectorStateHash(view: VectorStateView): string {
  const h = createHash('sha256');
  for (const c of view.collections().sort((a, b) => (a.name < b.name ? -1 : 1))) {
    h.update(`${c.name}\t${c.dim}\t${c.metric}\n`);
    for (const id of view.ids(c.name).sort()) {
      const v = view.get(c.name, id);
      h.update(`${id}\n`);
      if (v) h.update(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    }
  }
  return h.digest('hex');
}

/** Replays vector events into a fresh store (the vector service's own apply path, so the index is identical). */
export function vectorTarget(store: ReplayableVectorStore): ReplayTarget & { store: ReplayableVectorStore; applied: number } {
  const t = {
    name: 'vector',
    store,
    applied: 0,
    accepts: { kinds: ['vector'] as const },
    apply(batch: readonly LoggedEvent[]) { for (const e of batch) if (e.event.kind === 'vector' && store.apply(e.event)) t.applied++; },
    stateHash: () => vectorStateHash(storeView(store)),
  };
  return t;
}

/** Options of the ClickHouse backfill target. */
export interface ClickhouseTargetOptions {
  /** Events per insert, aligned on seq multiples so a second replay produces the same batches and tokens; default 10,000. */
  batchSize?: number;
  /** Prefix of dedup tokens; default 'replay'. */
  tokenPrefix?: string;
}

/**
 * Backfills ClickHouse through a Sink. Batches cover fixed seq windows per node
 * ([k·B+1, (k+1)·B]) and carry the token `<prefix>:<node>:<first>-<last>`, so replaying the same
 * range twice re-sends identical batches that the sink's deduplication drops.
 */
export function clickhouseTarget(sink: Sink, opts: ClickhouseTargetOptions = {}): ReplayTarget & { written: number } {
  const size = opts.batchSize ?? 10_000;
  const prefix = opts.tokenPrefix ?? 'replay';
  const open = new Map<string, { window: number; events: VexEvent[] }>();
  const t = {
    name: 'clickhouse',
    written: 0,
    async apply(batch: readonly LoggedEvent[]) {
      for (const { event } of batch) {
        const w = Math.floor((event.seq - 1) / size);
        let cur = open.get(event.node);
        if (cur && cur.window !== w) { await flush(event.node, cur.events); cur = undefined; }
        if (!cur) { cur = { window: w, events: [] }; open.set(event.node, cur); }
        cur.events.push(event);
      }
    },
    async finish() { for (const [node, cur] of [...open]) await flush(node, cur.events); open.clear(); },
  };
  async function flush(node: string, events: VexEvent[]): Promise<void> {
    open.delete(node);
    if (events.length === 0) return;
    const b: Batch = { lane: 'bulk', events, position: { kind: 'journal', token: `${prefix}:${node}:${events[0]!.seq}-${events[events.length - 1]!.seq}` } };
    await sink.write(b);
    t.written += events.length;
  }
  return t;
}
