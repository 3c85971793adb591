import type { VexEvent } from '../events/types.js';

/**
 * What the HTTP API needs from the rest of VexFS, as narrow ports. The API imports no
 * producer, processor or sink: `vexfs up` wires the real modules into these shapes, and the
 * unit tests use in-memory fakes. Every method may return a value or a promise.
 */

type MaybePromise<T> = T | Promise<T>;

/** Distance metric of a collection. */
export type Metric = 'l2' | 'cosine' | 'ip';

/** What creating a collection takes (HNSW parameters optional, the service picks defaults). */
export interface CollectionSpec {
  name: string;
  dim: number;
  /** Default: the service's (cosine). */
  metric?: Metric;
  M?: number;
  efConstruction?: number;
  ef?: number;
}

/** A collection as `list`/`describe` report it. */
export interface CollectionInfo {
  name: string;
  dim: number;
  metric: Metric;
  /** Live vectors in the collection. */
  count: number;
  M?: number;
  efConstruction?: number;
  ef?: number;
  /** Approximate memory held, in bytes. */
  bytes?: number;
}

/** One item of a batch upsert. The id is usually the file path the embedding belongs to. */
export interface UpsertItem {
  id: string;
  vector: Float32Array;
}

/** Search parameters. `prefix` keeps only ids starting with it (e.g. a directory '/docs/'). */
export interface SearchOptions {
  k: number;
  ef?: number;
  prefix?: string;
}

/** One search hit, nearest first. */
export interface SearchHit {
  id: string;
  distance: number;
}

/**
 * The vector service as the API calls it: a structural subset of src/producers/vector's
 * VectorService, so the real service is passed as is. Errors are VexfsErrors
 * (UNKNOWN_COLLECTION, COLLECTION_EXISTS, DIMENSION_MISMATCH, INVALID_VECTOR, INVALID_ARGUMENT, NOT_FOUND).
 */
export interface VectorPort {
  createCollection(spec: CollectionSpec): MaybePromise<CollectionInfo>;
  listCollections(): MaybePromise<CollectionInfo[]>;
  describe(name: string): MaybePromise<CollectionInfo>;
  drop(name: string): MaybePromise<void>;
  upsert(collection: string, id: string, vector: Float32Array): MaybePromise<void>;
  /** All or nothing; returns how many. */
  upsertBatch(collection: string, items: readonly UpsertItem[]): MaybePromise<number>;
  /** Returns how many of the ids existed. */
  delete(collection: string, ids: string | readonly string[]): MaybePromise<number>;
  /** A copy of the stored vector, or null. */
  get(collection: string, id: string): MaybePromise<Float32Array | null>;
  search(collection: string, vector: Float32Array, opts: SearchOptions): MaybePromise<SearchHit[]>;
  searchBatch(collection: string, vectors: readonly Float32Array[], opts: SearchOptions): MaybePromise<SearchHit[][]>;
  /** The k nearest to the stored vector of `id`, excluding `id`; NOT_FOUND when it has none. */
  searchById(collection: string, id: string, opts: SearchOptions): MaybePromise<SearchHit[]>;
}

/** A live feed of events as they are emitted (emitter `onEmit`, or a journal read with follow). */
export interface LiveEventSource {
  /** Calls `listener` for every new event until the returned function is called. The listener must not throw. */
  subscribe(listener: (event: VexEvent) => void): () => void;
}

/** Pipeline numbers for GET /stats. */
export interface StatsSnapshot {
  /** Events per second over the recent window, by kind (fs, vector, semantic, system). */
  rates: Record<string, number>;
  /** Events seen since start, by kind. */
  totals: Record<string, number>;
  /** Most active paths over the recent window. */
  topPaths: Array<{ path: string; count: number }>;
  /** Events waiting somewhere, by place (e.g. journalUnshipped, bridgeQueued). */
  backlog: Record<string, number>;
  /** Lags in seconds, by stage (e.g. sink, processor). */
  lags: Record<string, number>;
  /** Seconds since the provider started. */
  uptimeSec: number;
}

/** Source of GET /stats. */
export interface StatsPort {
  snapshot(): MaybePromise<StatsSnapshot>;
}

/** Source of GET /anomalies: the most recent anomaly events (`semantic`, payload.type 'anomaly'), newest first. */
export interface AnomalyPort {
  recent(limit: number): MaybePromise<Array<VexEvent<'semantic'>>>;
}

/** Result of a SQL query: column names/types and rows as objects. */
export interface SqlResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
}

/** Runs one read-only statement against the analytics store. The API has already refused writes; implementations should also run it with readonly=1. */
export type SqlPort = (query: string, opts: { readonly: true; maxRows: number; signal: AbortSignal }) => Promise<SqlResult>;

/** One dependency GET /ready probes. `check` resolves {ok:false} or throws when it is unreachable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<{ ok: boolean; detail?: string }>;
}

/** What POST /replay asks for: replay the log from..to (seq, inclusive) into `target`. */
export interface ReplayRequest {
  from?: number;
  to?: number;
  /** What to rebuild, e.g. 'vectors' or 'analytics'; the implementation names what it supports. */
  target?: string;
  /** Verify only (no writes). */
  dryRun?: boolean;
}

/** Everything the API serves from; only `vectors`, `events`, `stats` and `anomalies` are required. */
export interface ApiDeps {
  vectors: VectorPort;
  events: LiveEventSource;
  stats: StatsPort;
  anomalies: AnomalyPort;
  /** POST /sql; absent → 404 VEXFS_NOT_FOUND ("sql is not available here"). */
  sql?: SqlPort;
  /** POST /replay; absent → 404. Resolves to a JSON-serialisable summary. */
  replay?: (req: ReplayRequest) => Promise<unknown>;
  /** GET /ready probes each with a time limit; default none (always ready). */
  readiness?: ReadinessCheck[];
  /** Prometheus text for GET /metrics; default the shared registry (src/metrics/registry.ts). */
  metrics?: () => Promise<string>;
  /** The effective configuration for GET /config (admin); secrets are redacted by the API. */
  config?: () => unknown;
  /** Text → embedding for `{"text": ...}` searches (e.g. the demo's hashing trick); absent → text search refused. */
  embedText?: (text: string, dim: number) => Float32Array;
}
