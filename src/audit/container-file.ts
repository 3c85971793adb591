import { createHash, randomBytes } from 'node:crypto';
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import { inlinedEventSchema } from '../events/schema.js';
import { recordItem, type EventBytes, type RecordBatch } from './verify.js';

/**
 * Avro object container files of VexFS events (the export format): the standard header with the
 * full inlined Event schema, then one event per block, so any Avro tool reads them and a reader
 * can split records without decoding them.
 */

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]);

function zigzag(n: number, out: number[]): void {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  while (v >= 0x80) { out.push((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
  out.push(v);
}

function avroBytes(s: Buffer): Buffer {
  const len: number[] = [];
  zigzag(s.length, len);
  return Buffer.concat([Buffer.from(len), s]);
}

/** The file header: magic, metadata map (schema, codec null), sync marker. */
export function containerHeader(codec: EventCodec, sync: Buffer): Buffer {
  const schema = Buffer.from(JSON.stringify(inlinedEventSchema(codec.schemas)), 'utf8');
  const count: number[] = [];
  zigzag(2, count);
  return Buffer.concat([MAGIC, Buffer.from(count), avroBytes(Buffer.from('avro.schema')), avroBytes(schema), avroBytes(Buffer.from('avro.codec')), avroBytes(Buffer.from('null')), Buffer.from([0]), sync]);
}

/** Streams events into a container file, hashing the file as it goes. */
export interface ContainerWriter {
  append(bytes: Buffer): Promise<void>;
  /** Flushes and closes; returns the file's SHA-256 (hex) and size. */
  close(): Promise<{ sha256: string; bytes: number }>;
}

const CHUNK = 1 << 20;

export async function createContainerWriter(path: string, codec: EventCodec = createEventCodec()): Promise<ContainerWriter> {
  const fh = await open(path, 'wx', 0o644);
  const sync = randomBytes(16);
  const sha = createHash('sha256');
  let buf = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  let total = 0;
  const write = async (b: Buffer) => {
    if (used + b.length > buf.length) await flush();
    if (b.length > buf.length) { sha.update(b); total += b.length; await fh.write(b); return; }
    b.copy(buf, used); used += b.length;
  };
  const flush = async () => {
    if (!used) return;
    const out = buf.subarray(0, used);
    sha.update(out); total += used;
    await fh.write(out);
    buf = Buffer.allocUnsafe(CHUNK);
    used = 0;
  };
  await write(containerHeader(codec, sync));
  const prefix: number[] = [];
  return {
    async append(bytes) {
      prefix.length = 0;
      zigzag(1, prefix);
      zigzag(bytes.length, prefix);
      await write(Buffer.from(prefix));
      await write(bytes);
      await write(sync);
    },
    async close() {
      await flush();
      await fh.sync();
      await fh.close();
      return { sha256: sha.digest('hex'), bytes: total };
    },
  };
}

/** Reads a container file back as batches of event bytes; broken or partial blocks become items with `error`. */
export async function* readContainer(path: string, opts: { batchSize?: number; codec?: EventCodec; source?: string } = {}): AsyncGenerator<EventBytes[]> {
  for await (const b of readContainerRecords(path, { ...opts, batchSize: opts.batchSize ?? 1000 })) {
    const out: EventBytes[] = new Array(b.count);
    for (let i = 0; i < b.count; i++) out[i] = recordItem(b, i);
    if (b.error) out.push(b.error);
    if (out.length) yield out;
  }
}

/**
 * The records of a container file without an object or a Buffer view per record (`readContainer`
 * wraps them as EventBytes): each batch is
 * one read chunk plus an Int32Array of record positions in it (see RecordBatch). The verifier reads
 * these; a broken or partial block ends the file's last batch as its `error` item.
 */
export async function* readContainerRecords(path: string, opts: { batchSize?: number; codec?: EventCodec; source?: string } = {}): AsyncGenerator<RecordBatch> {
  const batchSize = opts.batchSize ?? 4096;
  const source = opts.source ?? path;
  const fh = await open(path, 'r');
  try {
    const r = new ChunkReader(fh.fd);
    const bad = (reason: 'truncated' | 'malformed', message: string, at: number, bytes = Buffer.alloc(0)): EventBytes => ({ bytes, source, offset: at, error: { reason, message } });
    const only = (e: EventBytes): RecordBatch => ({ buf: Buffer.alloc(0), offs: new Int32Array(0), count: 0, source, bufAt: 0, error: e });
    let sync: Buffer | null = null;
    while (!sync) {
      const have = r.end - r.pos;
      if (have >= 4 && !r.buf.subarray(r.pos, r.pos + 4).equals(MAGIC)) { yield only(bad('malformed', `${path} is not an Avro object container file`, 0)); return; }
      const end = parseHeaderEnd(r.buf, r.pos, r.end);
      if (end > 0) { sync = Buffer.from(r.buf.subarray(end - 16, end)); r.pos = end; break; }
      if (!r.fill()) { yield only(bad('truncated', `${path} ends inside its header`, 0)); return; }
    }
    let codec = opts.codec;
    for (;;) {
      // one batch per stretch of the current chunk: the records are views of `buf`
      const buf = r.buf;
      const limit = r.end;
      let p = r.pos;
      let offs = new Int32Array(batchSize * RECORD_STRIDE);
      let n = 0;
      let error: EventBytes | undefined;
      const push = (blockAt: number, s: number, e: number, rec: number) => {
        if (n * RECORD_STRIDE === offs.length) { const o = new Int32Array(offs.length * 2); o.set(offs); offs = o; }
        const k = n * RECORD_STRIDE;
        offs[k] = blockAt; offs[k + 1] = s; offs[k + 2] = e; offs[k + 3] = rec;
        n++;
      };
      while (n < batchSize && p < limit) {
        lp = p;
        const count = readLongAt(buf, limit);
        const size = readLongAt(buf, limit);
        if (Number.isNaN(size)) break;
        const dataAt = lp;
        if (dataAt + size + 16 > limit) break;
        const blockAt = r.fileOffsetOf(p);
        if (count < 0 || size < 0) { error = bad('malformed', `bad block header at offset ${blockAt}`, blockAt); break; }
        if (!syncAt(buf, dataAt + size, sync)) { error = bad('malformed', `block at offset ${blockAt} does not end with the file's sync marker`, blockAt, buf.subarray(dataAt, dataAt + size)); break; }
        if (count === 1) push(p, dataAt, dataAt + size, -1);
        else {
          codec ??= createEventCodec();
          let q = dataAt;
          for (let i = 0; i < count; i++) {
            try { const { end } = codec.decode(buf.subarray(0, dataAt + size), q); push(p, q, end, i); q = end; } catch (err) { error = bad('malformed', (err as Error).message, blockAt, buf.subarray(q, dataAt + size)); break; }
          }
          if (error) break;
        }
        p = dataAt + size + 16;
      }
      const batch: RecordBatch = { buf, offs, count: n, source, bufAt: r.fileOffsetOf(0) };
      if (error) { batch.error = error; yield batch; return; }
      r.pos = p;
      if (n >= batchSize) { yield batch; continue; }
      if (r.pos >= r.end && r.eof) { if (n) yield batch; break; }
      if (!r.fill()) {
        if (r.pos < r.end) batch.error = bad('truncated', `file ends inside the block at offset ${r.fileOffsetOf(r.pos)}`, r.fileOffsetOf(r.pos), r.buf.subarray(r.pos, r.end));
        if (n || batch.error) yield batch;
        break;
      }
      if (n) yield batch;
    }
  } finally {
    await fh.close();
  }
}

/** Int32s per record in RecordBatch.offs: block start, record start, record end (in buf), record index in a multi-record block (-1: one record). */
export const RECORD_STRIDE = 4;

function syncAt(b: Buffer, at: number, sync: Buffer): boolean {
  for (let i = 0; i < 16; i++) if (b[at + i] !== sync[i]) return false;
  return true;
}

let lp = 0;
function readLongAt(b: Buffer, end: number): number {
  let n = 0; let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (lp >= end) return NaN;
    const byte = b[lp++]!;
    n += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
    mul *= 128;
  }
  return NaN;
}

/** End offset of a container header starting at `at` (magic, metadata map, sync), or -1 if more bytes are needed. */
function parseHeaderEnd(b: Buffer, at: number, end: number): number {
  lp = at + 4;
  if (lp > end) return -1;
  for (;;) {
    let n = readLongAt(b, end);
    if (Number.isNaN(n)) return -1;
    if (n === 0) break;
    if (n < 0) { n = -n; if (Number.isNaN(readLongAt(b, end))) return -1; }
    for (let i = 0; i < n; i++) {
      const k = readLongAt(b, end); if (Number.isNaN(k)) return -1; lp += k;
      const v = readLongAt(b, end); if (Number.isNaN(v)) return -1; lp += v;
      if (lp > end) return -1;
    }
  }
  return lp + 16 <= end ? lp + 16 : -1;
}

/** Buffers a file in fresh chunks: views into an old chunk stay valid after the next fill. */
class ChunkReader {
  buf = Buffer.alloc(0);
  pos = 0;
  end = 0;
  eof = false;
  private bufAt = 0; // file offset of buf[0]
  constructor(private readonly fd: number) {}
  fileOffsetOf(p: number): number { return this.bufAt + p; }
  /** Reads more bytes after the unconsumed ones; false at end of file. */
  fill(): boolean {
    if (this.eof) return false;
    const keep = this.end - this.pos;
    const next = Buffer.allocUnsafe(Math.max(4 * CHUNK, keep * 2));
    this.buf.copy(next, 0, this.pos, this.end);
    this.bufAt += this.pos;
    // a synchronous read of a few MiB from the page cache: thread-pool reads left the loop idle half the time on a busy machine
    const bytesRead = readSync(this.fd, next, keep, next.length - keep, this.bufAt + keep);
    if (bytesRead === 0) { this.eof = true; return false; }
    this.buf = next; this.pos = 0; this.end = keep + bytesRead;
    return true;
  }
}
