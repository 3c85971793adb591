import type { VexEvent } from '../events/types.js';

/**
 * An event as JSON for the API and the live stream: the envelope with hashes in hex, other
 * byte fields (vectors, content hashes, signatures) in base64, and bigint-free numbers.
 */
export function eventToJson(ev: VexEvent): Record<string, unknown> {
  return {
    id: ev.id, node: ev.node, seq: ev.seq, ts: ev.ts, kind: ev.kind, op: ev.op, priority: ev.priority, key: ev.key,
    prevHash: ev.prevHash.toString('hex'), hash: ev.hash.toString('hex'),
    payload: plain(ev.payload),
  };
}

function plain(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'bigint') return Number(v);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

/** The path an event concerns, for path-prefix filters: the fs path, else the key. */
export function eventPath(ev: VexEvent): string {
  const p = (ev.payload as { path?: unknown }).path;
  return typeof p === 'string' ? p : ev.key;
}
