/** In-memory fakes of the API's ports (src/api/deps.ts), for the API unit tests only. */
import { createAnomalyFeed } from '../../src/api/anomaly-feed.js';
import type { ApiDeps, CollectionInfo, CollectionSpec, Metric, SearchHit, SearchOptions, VectorPort } from '../../src/api/deps.js';
import { createEventStats } from '../../src/api/event-stats.js';
import { createLiveHub, type LiveHub } from '../../src/api/live-hub.js';
import { ErrorCodes, VexfsError } from '../../src/errors.js';
import { createEmitter, type Emitter } from '../../src/events/emitter.js';
import { fsPayload, semanticPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';

/** A brute-force vector service with the real one's errors. */
export function createFakeVectors(): VectorPort & { calls: string[] } {
  const cols = new Map<string, { spec: CollectionSpec & { metric: Metric }; rows: Map<string, Float32Array> }>();
  const calls: string[] = [];
  const col = (name: string) => {
    const c = cols.get(name);
    if (!c) throw new VexfsError(ErrorCodes.UNKNOWN_COLLECTION, `unknown collection ${name}`, { context: { collection: name } });
    return c;
  };
  const info = (name: string): CollectionInfo => { const c = col(name); return { ...c.spec, count: c.rows.size }; };
  const check = (name: string, v: Float32Array) => {
    const c = col(name);
    if (v.length !== c.spec.dim) throw new VexfsError(ErrorCodes.DIMENSION_MISMATCH, `vector has ${v.length} dimensions, collection ${name} has ${c.spec.dim}`);
    if (!v.every(Number.isFinite)) throw new VexfsError(ErrorCodes.INVALID_VECTOR, 'vector holds NaN or Infinity');
    return c;
  };
  const dist = (metric: string, a: Float32Array, b: Float32Array) => {
    let dot = 0, na = 0, nb = 0, l2 = 0;
    for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! ** 2; nb += b[i]! ** 2; l2 += (a[i]! - b[i]!) ** 2; }
    return metric === 'l2' ? l2 : metric === 'ip' ? 1 - dot : 1 - dot / Math.sqrt(na * nb || 1);
  };
  const search = (name: string, q: Float32Array, o: SearchOptions, skip?: string): SearchHit[] => {
    const c = check(name, q);
    if (o.ef !== undefined && o.ef < o.k) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `ef (${o.ef}) must be ≥ k (${o.k})`);
    return [...c.rows].filter(([id]) => id !== skip && (!o.prefix || id.startsWith(o.prefix)))
      .map(([id, v]) => ({ id, distance: dist(c.spec.metric, q, v) }))
      .sort((a, b) => a.distance - b.distance).slice(0, o.k);
  };
  return {
    calls,
    createCollection(spec) {
      calls.push(`create ${spec.name}`);
      if (cols.has(spec.name)) throw new VexfsError(ErrorCodes.COLLECTION_EXISTS, `collection ${spec.name} exists`);
      cols.set(spec.name, { spec: { ...spec, metric: spec.metric ?? 'cosine' }, rows: new Map() });
      return info(spec.name);
    },
    listCollections: () => [...cols.keys()].map(info),
    describe: info,
    drop(name) { calls.push(`drop ${name}`); col(name); cols.delete(name); },
    upsert(name, id, v) { calls.push(`upsert ${name} ${id}`); check(name, v).rows.set(id, Float32Array.from(v)); },
    upsertBatch(name, items) {
      calls.push(`upsertBatch ${name} ${items.length}`);
      for (const it of items) check(name, it.vector);
      for (const it of items) col(name).rows.set(it.id, Float32Array.from(it.vector));
      return items.length;
    },
    delete(name, ids) {
      calls.push(`delete ${name} ${String(ids)}`);
      const c = col(name);
      return (typeof ids === 'string' ? [ids] : ids).filter((id) => c.rows.delete(id)).length;
    },
    get(name, id) { const v = col(name).rows.get(id); return v ? Float32Array.from(v) : null; },
    search: (name, q, o) => search(name, q, o),
    searchBatch: (name, qs, o) => qs.map((q) => search(name, q, o)),
    searchById(name, id, o) {
      const v = col(name).rows.get(id);
      if (!v) throw new VexfsError(ErrorCodes.NOT_FOUND, `no vector ${id} in ${name}`);
      return search(name, v, o, id);
    },
  };
}

/** A full set of fake deps around a live hub fed by a real emitter over a memory log. */
export function createFakeDeps(over: Partial<ApiDeps> = {}): { deps: ApiDeps; hub: LiveHub; emitter: Emitter; vectors: ReturnType<typeof createFakeVectors>; replays: unknown[]; sqls: string[] } {
  const hub = createLiveHub();
  const emitter = createEmitter({ node: 'test-node', log: createMemoryLog(), onEmit: (ev) => hub.publish(ev) });
  const vectors = createFakeVectors();
  const replays: unknown[] = [];
  const sqls: string[] = [];
  const deps: ApiDeps = {
    vectors,
    events: hub,
    stats: createEventStats(hub, { backlog: () => ({ journalUnshipped: 7 }), lags: () => ({ sink: 0.25 }) }),
    anomalies: createAnomalyFeed(hub),
    sql: async (query, opts) => {
      sqls.push(query);
      return { columns: [{ name: 'n', type: 'UInt64' }], rows: [{ n: 42 }].slice(0, opts.maxRows) };
    },
    replay: async (req) => { replays.push(req); return { replayed: 3 }; },
    readiness: [{ name: 'journal', check: async () => ({ ok: true }) }],
    config: () => ({ dataDir: '/tmp/x', api: { port: 7070, tokens: { abcdefgh: 'admin' } }, clickhouse: { password: 'pw' } }),
    embedText: (text, dim) => { const v = new Float32Array(dim); for (let i = 0; i < text.length; i++) v[text.charCodeAt(i) % dim]! += 1; return v; },
    ...over,
  };
  return { deps, hub, emitter, vectors, replays, sqls };
}

/** Emits one fs event. */
export function emitFs(emitter: Emitter, path: string, op = 'write', errno = 0): void {
  emitter.emit({ kind: 'fs', op, key: path, payload: fsPayload({ path, size: 4096, errno, result: errno ? -1 : 4096 }) });
}

/** Emits one anomaly event. */
export function emitAnomaly(emitter: Emitter, anomalyType = 'mass_modification', severity = 'critical'): void {
  emitter.emit({
    kind: 'semantic', op: 'anomaly', key: '/docs', priority: 'critical',
    payload: semanticPayload({ type: 'anomaly', anomalyType, severity, score: 0.97, dimension: 'process', group: '4242', count: 500, topPaths: ['/docs/a.txt', '/docs/b.txt'], evidence: { renames: '480' } }),
  });
}
