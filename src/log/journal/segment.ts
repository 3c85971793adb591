import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newBlockScan, parseHeader, scanBlock, SYNC_SIZE } from './container.js';

/** Segment files are named after the seq of their first event, zero-padded so names sort by seq. */
const SEGMENT_RE = /^(\d{20})\.avro$/;

export function segmentName(firstSeq: number): string {
  return `${String(firstSeq).padStart(20, '0')}.avro`;
}

export interface SegmentFile {
  /** File name inside the journal directory. */
  file: string;
  path: string;
  /** Seq of the segment's first event (from its name). */
  firstSeq: number;
}

/** The segment files of a journal directory in seq order. */
export function listSegments(dir: string): SegmentFile[] {
  const out: SegmentFile[] = [];
  let names: string[];
  try { names = readdirSync(dir); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const file of names) {
    const m = SEGMENT_RE.exec(file);
    if (m) out.push({ file, path: join(dir, file), firstSeq: Number(m[1]) });
  }
  return out.sort((a, b) => a.firstSeq - b.firstSeq);
}

/** What a full scan of one segment found. */
export interface SegmentScan {
  size: number;
  /** Header parsed; when false the file has no usable header (see problem). */
  headerOk: boolean;
  headerEnd: number;
  sync: Buffer;
  /** Events in the good prefix. */
  count: number;
  /** seq and hash of the last good event (0 / null when none). */
  lastSeq: number;
  lastHash: Buffer | null;
  /** End of the good prefix: where the next block would go. */
  goodEnd: number;
  /**
   * The first damage, if any. `torn`: nothing valid follows it (a write cut short: safe to
   * truncate at `offset`). `corrupt`: valid blocks follow it (damage in the middle: stop).
   */
  problem: { kind: 'torn' | 'corrupt'; offset: number; reason: string } | null;
}

/** Reads a whole segment and checks every block: count 1, size, sync marker, seq = previous + 1, hash of the bytes. */
export function scanSegment(path: string, firstSeq: number): SegmentScan {
  const buf = readFileSync(path);
  const res: SegmentScan = { size: buf.length, headerOk: false, headerEnd: 0, sync: Buffer.alloc(SYNC_SIZE), count: 0, lastSeq: firstSeq - 1, lastHash: null, goodEnd: 0, problem: null };
  const h = parseHeader(buf);
  if (!h.ok) {
    res.problem = { kind: h.truncated ? 'torn' : 'corrupt', offset: 0, reason: `header: ${h.reason}` };
    return res;
  }
  res.headerOk = true; res.headerEnd = h.end; res.sync = h.sync; res.goodEnd = h.end;
  const b = newBlockScan();
  let p = h.end;
  while (p < buf.length) {
    scanBlock(buf, p, buf.length, h.sync, b);
    let reason = b.reason;
    if (b.status === 'ok' && b.seq !== res.lastSeq + 1) { b.status = 'bad'; reason = `seq ${b.seq} where ${res.lastSeq + 1} was expected`; }
    if (b.status === 'ok' && !hashMatches(buf, b.bodyStart, b.bodyEnd)) { b.status = 'bad'; reason = `event seq ${b.seq} does not match its hash (bytes changed)`; }
    if (b.status !== 'ok') {
      res.problem = { kind: validDataAfter(buf, p, h.sync) ? 'corrupt' : 'torn', offset: p, reason };
      return res;
    }
    res.count++;
    res.lastSeq = b.seq;
    res.lastHash = Buffer.from(buf.subarray(b.bodyEnd - 32, b.bodyEnd));
    p = b.end;
    res.goodEnd = p;
  }
  return res;
}

/** The stored hash (last 32 bytes of the body) equals SHA-256 of the rest of the body. */
function hashMatches(buf: Buffer, start: number, end: number): boolean {
  const h = createHash('sha256').update(buf.subarray(start, end - 32)).digest();
  return buf.compare(h, 0, 32, end - 32, end) === 0;
}

/** True when a well-formed block starts right after some sync marker at or after `from`. */
function validDataAfter(buf: Buffer, from: number, sync: Buffer): boolean {
  const b = newBlockScan();
  for (let i = buf.indexOf(sync, from); i >= 0; i = buf.indexOf(sync, i + 1)) {
    const next = i + SYNC_SIZE;
    if (next >= buf.length) continue;
    if (scanBlock(buf, next, buf.length, sync, b).status === 'ok') return true;
  }
  return false;
}
