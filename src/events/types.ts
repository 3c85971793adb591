/** TypeScript shapes of the Avro contract in schemas/avro (keep the two in step; a unit test checks). */

export type Kind = 'fs' | 'vector' | 'semantic' | 'system';
export type Priority = 'critical' | 'normal' | 'bulk';
export const KINDS: readonly Kind[] = ['fs', 'vector', 'semantic', 'system'];

export interface FsPayload {
  path: string;
  path2: string | null;
  ino: number;
  fd: number;
  offset: number;
  size: number;
  result: number;
  errno: number;
  latencyUs: number;
  mode: number | null;
  uid: number;
  gid: number;
  pid: number;
  name: string | null;
  contentHash: Buffer | null;
}

export interface VectorPayload {
  collection: string;
  ids: string[];
  dim: number;
  metric: string;
  vectors: Buffer[];
  k: number;
  ef: number;
  resultIds: string[];
  distances: number[];
  params: Record<string, string>;
  latencyUs: number;
  errorCode: string | null;
  errorMessage: string | null;
}

export interface SemanticPayload {
  type: 'window' | 'anomaly' | 'pattern' | string;
  dimension: string;
  group: string;
  windowStart: number;
  windowEnd: number;
  count: number;
  errors: number;
  bytes: number;
  rate: number;
  latencyP50Us: number;
  latencyP95Us: number;
  latencyP99Us: number;
  anomalyType: string | null;
  severity: string | null;
  score: number;
  support: number;
  sequence: string[];
  topPaths: string[];
  evidence: Record<string, string>;
}

export interface SystemPayload {
  type: string;
  message: string;
  attrs: Record<string, string>;
  checkpointSeq: number;
  checkpointHash: Buffer | null;
  signature: Buffer | null;
  publicKey: Buffer | null;
}

export interface PayloadByKind {
  fs: FsPayload;
  vector: VectorPayload;
  semantic: SemanticPayload;
  system: SystemPayload;
}

/** The envelope every event shares. `payload` matches `kind`. */
export interface VexEvent<K extends Kind = Kind> {
  id: string;
  node: string;
  seq: number;
  /** microseconds since the epoch */
  ts: number;
  kind: K;
  op: string;
  priority: Priority;
  key: string;
  prevHash: Buffer;
  payload: PayloadByKind[K];
  hash: Buffer;
}

/** What a producer hands to the emitter; the emitter stamps id, node, seq, ts and the hashes. */
export interface EventDraft<K extends Kind = Kind> {
  kind: K;
  op: string;
  key: string;
  priority?: Priority;
  /** microseconds since the epoch; defaults to the emitter's clock */
  ts?: number;
  payload: PayloadByKind[K];
}

/** The default priority lane of each kind (anomalies are raised to critical by the detector). */
export const DEFAULT_PRIORITY: Record<Kind, Priority> = { fs: 'normal', vector: 'normal', semantic: 'bulk', system: 'critical' };
