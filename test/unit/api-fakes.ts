/** In-memory fakes of the API's ports (src/api/deps.ts), for the API unit tests only. */
import { createAnomalyFeed } from '../../src/api/anomaly-feed.js';
import type { ApiDeps, CollectionInfo, CollectionSpec, SearchHit, SearchOptions, VectorPort, VectorRecord } from '../../src/api/deps.js';
import { createEventStats } from '../../src/api/event-stats.js';
import { createLiveHub, type LiveHub } from '../../src/api/live-hub.js';
import { ErrorCodes, VexfsError } from '../../src/errors.js';
import { createEmitter, type Emitter } from '../../src/events/emitter.js';
import { fsPayload, semanticPayload } from '../../src/events/payloads.js';
import { createMemoryLog } from '../../src/log/memory-log.js';

/** A brute-force vector service with the real one's errors. */
export function createFakeVectors(): VectorPort & { calls: string[] } {
  const cols = new Map<string, { spec: CollectionSpec; rows: Map<string, { vector: Float32Array; path: string | null }> }>();
  const calls: string[] = [];
  const col = (name: string) => {
    const c = cols.get(name);
    if (!c) throw new VexfsError(ErrorCodes.UNKNOWN_COLLECTION, `unknown collection ${name}`, { context: { collection: name } });
    return c;
  };
  const info = (name: string): CollectionInfo => { const c = col(name); return { ...c.spec, count: c.rows.size }; };
  const check = (name: string, v: Float32Array | number[]) => {
    const c = col(name);
    if (v.length !== c.spec.dim) throw new VexfsError(ErrorCodes.DIMENSION_MISMATCH, `vector has ${v.length} dimensions, collection ${name} has ${c.spec.dim}`);
    if (!Array.from(v).every(Number.isFinite)) throw new VexfsError(ErrorCodes.INVALID_VECTOR, 'vector holds NaN or Infinity');
    return c;
  };
  const dist = (metric: string, a: Float32Array, b: Float32Array) => {
    let dot = 0, na = 0, nb = 0, l2 = 0;
    for (let i = 0; i < a.length; i++) { dot += a[i]! * b[i]!; na += a[i]! ** 2; nb += b[i]! ** 2; l2 += (a[i]! - b[i]!) ** 2; }
    return metric === 'l2' ? l2 : metric === 'ip' ? 1 - dot : 1 - dot / Math.sqrt(na * nb || 1);
  };
  const search = (name: string, q: Float32Array, o: SearchOptions): SearchHit[] => {
    const c = check(name, q);
    if (o.k <= 0) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, 'k must be ≥ 1');
    if (o.ef !== undefined && o.ef < o.k) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `ef (${o.ef}) must be ≥ k (${o.k})`);
    return [...c.rows].filter(([id, r]) => !o.pathPrefix || (r.path ?? id).startsWith(o.pathPrefix))
      .map(([id, r]) => ({ id, path: r.path, distance: dist(c.spec.metric, q, r.vector) }))
      .sort((a, b) => a.distance - b.distance).slice(0, o.k);
  };
  const upsert = (name: string, r: VectorRecord) => { check(name, r.vector).rows.set(r.id, { vector: Float32Array.from(r.vector), path: r.path ?? null }); };
  return {
    calls,
    createCollection(spec) {
      calls.push(`create ${spec.name}`);
      if (cols.has(spec.name)) throw new VexfsError(ErrorCodes.COLLECTION_EXISTS, `collection ${spec.name} exists`);
      cols.set(spec.name, { spec: { ...spec }, rows: new Map() });
      return info(spec.name);
    },
    list: () => [...cols.keys()].map(info),
    describe: info,
    drop(name) { calls.push(`drop ${name}`); col(name); cols.delete(name); },
    upsert(name, r) { calls.push(`upsert ${name} ${r.id}`); upsert(name, r); },
    upsertBatch(name, rs) { calls.push(`upsertBatch ${name} ${rs.length}`); for (const r of rs) check(name, r.vector); for (const r of rs) upsert(name, r); },
    delete(name, id) { calls.push(`delete ${name} ${id}`); return col(name).rows.delete(id); },
    get(name, id) { const r = col(name).rows.get(id); return r ? { id, vector: r.vector, path: r.path } : null; },
    search,
    searchBatch: (name, qs, o) => qs.map((q) => search(name, q, o)),
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
