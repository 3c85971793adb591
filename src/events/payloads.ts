import type { FsPayload, SemanticPayload, SystemPayload, VectorPayload } from './types.js';

/** Typed payload builders: every field at its schema default, overridden by `fields`. */

export function fsPayload(fields: Partial<FsPayload> & { path: string }): FsPayload {
  return {
    path2: null, ino: 0, fd: -1, offset: 0, size: 0, result: 0, errno: 0, latencyUs: 0,
    mode: null, uid: -1, gid: -1, pid: -1, name: null, contentHash: null, ...fields,
  };
}

export function vectorPayload(fields: Partial<VectorPayload> & { collection: string }): VectorPayload {
  return {
    ids: [], dim: 0, metric: '', vectors: [], k: 0, ef: 0, resultIds: [], distances: [], params: {},
    latencyUs: 0, errorCode: null, errorMessage: null, ...fields,
  };
}

export function semanticPayload(fields: Partial<SemanticPayload> & { type: string }): SemanticPayload {
  return {
    dimension: '', group: '', windowStart: 0, windowEnd: 0, count: 0, errors: 0, bytes: 0, rate: 0,
    latencyP50Us: 0, latencyP95Us: 0, latencyP99Us: 0, anomalyType: null, severity: null, score: 0,
    support: 0, sequence: [], topPaths: [], evidence: {}, ...fields,
  };
}

export function systemPayload(fields: Partial<SystemPayload> & { type: string }): SystemPayload {
  return {
    message: '', attrs: {}, checkpointSeq: 0, checkpointHash: null, signature: null, publicKey: null, ...fields,
  };
}
