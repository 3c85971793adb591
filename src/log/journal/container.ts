import { randomBytes } from 'node:crypto';

/**
 * The Avro object container file format, as much of it as the journal needs:
 * header = "Obj" 0x01, metadata map {avro.schema, avro.codec = null}, 16-byte sync marker;
 * then blocks of (count, byte size, records, sync marker). The journal writes one event per
 * block so each append is one write(2) and a torn write can only damage the last block.
 */

export const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);
export const SYNC_SIZE = 16;
/** A block larger than this is treated as corrupt (no event comes close). */
export const MAX_BLOCK_BODY = 64 * 1024 * 1024;

/** Bytes of the zigzag varint of a non-negative long. */
export function longSize(n: number): number {
  let zz = n * 2;
  let s = 1;
  while (zz >= 128) { zz = Math.floor(zz / 128); s++; }
  return s;
}

/** Writes the zigzag varint of a non-negative long at `pos`; returns the end offset. */
export function writeLong(buf: Buffer, pos: number, n: number): number {
  let zz = n * 2;
  while (zz >= 128) { buf[pos++] = (zz & 0x7f) | 0x80; zz = Math.floor(zz / 128); }
  buf[pos++] = zz;
  return pos;
}

/** End offset of the last readLong, or -1 when the bytes ran out. Module state so the scan allocates nothing. */
export let longEnd = 0;

/** Reads a zigzag varint long at `pos` (bytes up to `end`); sets `longEnd` (-1 when truncated or too long). */
export function readLong(buf: Buffer, pos: number, end: number): number {
  let n = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) { longEnd = -1; return 0; }
    const b = buf[pos++]!;
    n += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) {
      longEnd = pos;
      return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    }
    mul *= 128;
  }
  longEnd = -1;
  return 0;
}

/** A segment file header: the Avro container header with the schema JSON and codec null. */
export function buildHeader(schemaJson: string, sync: Buffer = randomBytes(SYNC_SIZE)): { header: Buffer; sync: Buffer } {
  const entries: [string, Buffer][] = [['avro.schema', Buffer.from(schemaJson, 'utf8')], ['avro.codec', Buffer.from('null')]];
  let size = MAGIC.length + longSize(entries.length) + 1 + SYNC_SIZE;
  for (const [k, v] of entries) size += longSize(Buffer.byteLength(k)) + Buffer.byteLength(k) + longSize(v.length) + v.length;
  const header = Buffer.alloc(size);
  let p = MAGIC.copy(header, 0);
  p = writeLong(header, p, entries.length);
  for (const [k, v] of entries) {
    p = writeLong(header, p, Buffer.byteLength(k));
    p += header.write(k, p, 'utf8');
    p = writeLong(header, p, v.length);
    p += v.copy(header, p);
  }
  header[p++] = 0; // end of the metadata map
  p += sync.copy(header, p);
  return { header, sync };
}

/** A parsed header, or the reason it is not one. */
export type HeaderParse =
  | { ok: true; end: number; sync: Buffer; meta: Record<string, Buffer> }
  | { ok: false; truncated: boolean; reason: string };

/** Parses a container header from the start of `buf` (bytes up to `end`). */
export function parseHeader(buf: Buffer, end = buf.length): HeaderParse {
  const truncated = (reason: string): HeaderParse => ({ ok: false, truncated: true, reason });
  if (end < MAGIC.length) return truncated('file shorter than the Avro magic');
  if (!buf.subarray(0, 4).equals(MAGIC)) return { ok: false, truncated: false, reason: 'no Avro object container magic (Obj 0x01)' };
  let p = 4;
  const meta: Record<string, Buffer> = {};
  for (;;) {
    let count = readLong(buf, p, end);
    if (longEnd < 0) return truncated('header metadata cut short');
    p = longEnd;
    if (count === 0) break;
    if (count < 0) { readLong(buf, p, end); if (longEnd < 0) return truncated('header metadata cut short'); p = longEnd; count = -count; }
    for (let i = 0; i < count; i++) {
      const kl = readLong(buf, p, end);
      if (longEnd < 0 || longEnd + kl > end) return truncated('header metadata cut short');
      const k = buf.toString('utf8', longEnd, longEnd + kl);
      p = longEnd + kl;
      const vl = readLong(buf, p, end);
      if (longEnd < 0 || longEnd + vl > end) return truncated('header metadata cut short');
      meta[k] = Buffer.from(buf.subarray(longEnd, longEnd + vl));
      p = longEnd + vl;
    }
  }
  if (p + SYNC_SIZE > end) return truncated('header sync marker cut short');
  return { ok: true, end: p + SYNC_SIZE, sync: Buffer.from(buf.subarray(p, p + SYNC_SIZE)), meta };
}

/** Result of looking at one block; filled in place by scanBlock (reuse one per loop). */
export interface BlockScan {
  /** 'ok', 'incomplete' (the bytes end inside the block) or 'bad' (a damaged block). */
  status: 'ok' | 'incomplete' | 'bad';
  /** First byte of the event body. */
  bodyStart: number;
  bodyEnd: number;
  /** First byte after the block's sync marker. */
  end: number;
  /** seq read from the event head. */
  seq: number;
  /** Why the block is bad. */
  reason: string;
}

export function newBlockScan(): BlockScan {
  return { status: 'ok', bodyStart: 0, bodyEnd: 0, end: 0, seq: 0, reason: '' };
}

/** Skips an Avro string/bytes at `pos`; returns the end or -1. */
function skipBytes(buf: Buffer, pos: number, end: number): number {
  const len = readLong(buf, pos, end);
  if (longEnd < 0 || len < 0 || longEnd + len > end) return -1;
  return longEnd + len;
}

/**
 * Looks at the block at `pos` (bytes valid up to `end`): one event (count 1), a sane size, the
 * segment's sync marker after it, and an event head whose seq can be read.
 */
export function scanBlock(buf: Buffer, pos: number, end: number, sync: Buffer, out: BlockScan): BlockScan {
  out.status = 'ok'; out.reason = '';
  const count = readLong(buf, pos, end);
  if (longEnd < 0) return incomplete(out, buf, pos, end);
  if (count !== 1) return bad(out, `block holds ${count} records (the journal writes 1)`);
  const size = readLong(buf, longEnd, end);
  if (longEnd < 0) return incomplete(out, buf, pos, end);
  if (size < 33 || size > MAX_BLOCK_BODY) return bad(out, `block size ${size} out of range`);
  const bodyStart = longEnd;
  const bodyEnd = bodyStart + size;
  if (bodyEnd + SYNC_SIZE > end) return incomplete(out, buf, pos, end);
  if (buf.compare(sync, 0, SYNC_SIZE, bodyEnd, bodyEnd + SYNC_SIZE) !== 0) return bad(out, 'sync marker mismatch after block');
  // head: id (string), node (string), seq (long)
  let p = skipBytes(buf, bodyStart, bodyEnd);
  if (p > 0) p = skipBytes(buf, p, bodyEnd);
  if (p < 0) return bad(out, 'event head undecodable');
  const seq = readLong(buf, p, bodyEnd);
  if (longEnd < 0 || seq < 1) return bad(out, 'event seq undecodable');
  out.bodyStart = bodyStart; out.bodyEnd = bodyEnd; out.end = bodyEnd + SYNC_SIZE; out.seq = seq;
  return out;
}

function bad(out: BlockScan, reason: string): BlockScan { out.status = 'bad'; out.reason = reason; return out; }
function incomplete(out: BlockScan, _buf: Buffer, _pos: number, _end: number): BlockScan { out.status = 'incomplete'; out.reason = 'block cut short'; return out; }
