/** JSON shapes of the VexFS HTTP API (docs/api.md), as the client returns them. */

export type Role = 'viewer' | 'operator' | 'admin';
export type Metric = 'l2' | 'cosine' | 'ip';
export type Kind = 'fs' | 'vector' | 'semantic' | 'system';

export interface CollectionSpec {
  name: string;
  dim: number;
  /** Default cosine. */
  metric?: Metric;
  M?: number;
  efConstruction?: number;
  ef?: number;
}

export interface CollectionInfo extends CollectionSpec {
  metric: Metric;
  count: number;
  bytes?: number;
}

/** A vector to upsert; the id is usually the path of the file it describes. */
export interface VectorInput {
  id: string;
  vector: ArrayLike<number>;
}

export interface StoredVector {
  id: string;
  vector: number[];
}

/** Search near exactly one of: a vector, a stored id ("files like this one"), or text (when the server embeds text). */
export type SearchQuery = ({ vector: ArrayLike<number> } | { id: string } | { text: string }) & SearchParams;

export interface SearchParams {
  /** Hits to return; default 10. */
  k?: number;
  ef?: number;
  /** Keep only ids (file paths) starting with this. */
  prefix?: string;
}

export interface SearchHit {
  id: string;
  /** l2: squared euclidean; cosine: 1 − cos; ip: 1 − a·b */
  distance: number;
}

export interface SearchResult {
  hits: SearchHit[];
  tookMs: number;
}

export interface BatchSearchResult {
  results: SearchHit[][];
  tookMs: number;
}

export interface Stats {
  rates: Record<string, number>;
  totals: Record<string, number>;
  topPaths: Array<{ path: string; count: number }>;
  backlog: Record<string, number>;
  lags: Record<string, number>;
  uptimeSec: number;
  streamClients: number;
}

export interface Anomaly {
  id: string;
  seq: number;
  ts: number;
  time: string;
  node: string;
  anomalyType: string | null;
  severity: string | null;
  score: number;
  dimension: string;
  group: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  errors: number;
  rate: number;
  topPaths: string[];
  evidence: Record<string, string>;
}

export interface SqlResult {
  columns: Array<{ name: string; type: string }>;
  rows: Array<Record<string, unknown>>;
  rowCount: number;
  tookMs: number;
}

export interface ReadyReport {
  ready: boolean;
  code?: string;
  message?: string;
  checks: Array<{ name: string; ok: boolean; detail: string; ms: number }>;
}

export interface ReplayRequest {
  from?: number;
  to?: number;
  target?: string;
  dryRun?: boolean;
}

/** An event as the live stream sends it: the envelope with hashes in hex and other bytes in base64. */
export interface StreamEvent {
  id: string;
  node: string;
  seq: number;
  /** microseconds since the epoch */
  ts: number;
  kind: Kind;
  op: string;
  priority: string;
  key: string;
  prevHash: string;
  hash: string;
  payload: Record<string, unknown>;
}

/** Filters of the live stream (AND). */
export interface StreamFilter {
  kinds?: Kind[];
  ops?: string[];
  /** Path (fs) or key prefix. */
  prefix?: string;
}

/** What the stream yields: events, plus notices that the client fell behind. */
export type StreamMessage =
  | { type: 'event'; event: StreamEvent }
  | { type: 'dropped'; dropped: number };
