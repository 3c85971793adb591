/**
 * Reads the envelope head (node, seq, ts, kind, op, prevHash) straight from an event's Avro bytes,
 * without decoding the payload or allocating per event: the verifier and the range filters run
 * on every event of a log, so they must not pay for a full decode.
 */

/** Where the head fields of one encoded event sit; filled in place by `scanHead` (reuse one per loop). */
export interface EventHead {
  idStart: number;
  idEnd: number;
  nodeStart: number;
  nodeEnd: number;
  seq: number;
  /** microseconds since the epoch */
  ts: number;
  /** union branch / Kind enum index: 0 fs, 1 vector, 2 semantic, 3 system */
  kind: number;
  opStart: number;
  opEnd: number;
  /** Priority enum index: 0 critical, 1 normal, 2 bulk */
  priority: number;
  keyStart: number;
  keyEnd: number;
  /** offset of the 32-byte prevHash; the stored hash is the last 32 bytes of the record */
  prevHashAt: number;
}

/** A fresh head to pass to `scanHead`. */
export function newHead(): EventHead {
  return { idStart: 0, idEnd: 0, nodeStart: 0, nodeEnd: 0, seq: 0, ts: 0, kind: 0, opStart: 0, opEnd: 0, priority: 0, keyStart: 0, keyEnd: 0, prevHashAt: 0 };
}

let pos = 0;

// Avro long: zigzag varint. Values up to 2^53 are exact with float arithmetic.
function readLong(b: Buffer, end: number): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) return NaN;
    const byte = b[pos++]!;
    n += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return (n % 2 === 0) ? n / 2 : -(n + 1) / 2;
    mul *= 128;
  }
  return NaN;
}

function skipString(b: Buffer, end: number): number {
  // fast path: a length under 64 is one byte (zigzag 2n, high and low bits clear)
  const c = pos < end ? b[pos]! : 0x80;
  if ((c & 0x81) === 0) {
    const start = pos + 1;
    const e = start + (c >> 1);
    if (e > end) return -1;
    pos = e;
    return start;
  }
  const len = readLong(b, end);
  if (!(len >= 0) || pos + len > end) return -1;
  const start = pos;
  pos += len;
  return start;
}

/**
 * Parses the head of the record `b[start, end)` into `h`. Returns true when the head is well formed
 * and the record is long enough to hold a branch index and the trailing hash; false otherwise
 * (the caller reports it as truncated or malformed).
 */
export function scanHead(b: Buffer, h: EventHead, start = 0, end = b.length): boolean {
  pos = start;
  const is = skipString(b, end);
  if (is < 0) return false;
  h.idStart = is; h.idEnd = pos;
  const ns = skipString(b, end);
  if (ns < 0) return false;
  h.nodeStart = ns; h.nodeEnd = pos;
  h.seq = readLong(b, end);
  h.ts = readLong(b, end);
  h.kind = readLong(b, end);
  const os = skipString(b, end);
  if (os < 0) return false;
  h.opStart = os; h.opEnd = pos;
  const prio = readLong(b, end);
  const ks = skipString(b, end);
  if (ks < 0) return false;
  h.priority = prio; h.keyStart = ks; h.keyEnd = pos;
  if (Number.isNaN(h.seq) || Number.isNaN(h.ts) || Number.isNaN(prio) || !(h.kind >= 0 && h.kind <= 3)) return false;
  h.prevHashAt = pos;
  // prevHash (32) + branch index (>= 1) + hash (32)
  return pos + 65 <= end && (b[pos + 32]! >> 1) === h.kind;
}
