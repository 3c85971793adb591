import { createHash, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import { inlinedEventSchema } from '../events/schema.js';
import type { EventBytes } from './verify.js';

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
export async function* readContainer(path: string, opts: { batchSize?: number; codec?: EventCodec } = {}): AsyncGenerator<EventBytes[]> {
  const batchSize = opts.batchSize ?? 1000;
  const fh = await open(path, 'r');
  try {
    const r = new ChunkReader(fh);
    await r.need(4);
    if (!r.buf.subarray(r.pos, r.pos + 4).equals(MAGIC)) { yield [{ bytes: Buffer.alloc(0), location: 'offset 0', error: { reason: 'malformed', message: `${path} is not an Avro object container file` } }]; return; }
    r.pos += 4;
    // metadata map: blocks of (key, value) pairs until a zero count
    for (;;) {
      let n = await r.long();
      if (n === 0) break;
      if (n < 0) { n = -n; await r.long(); }
      for (let i = 0; i < n; i++) { await r.skip(await r.long()); await r.skip(await r.long()); }
    }
    await r.need(16);
    const sync = Buffer.from(r.buf.subarray(r.pos, r.pos + 16));
    r.pos += 16;
    let batch: EventBytes[] = [];
    let codec = opts.codec;
    for (;;) {
      if (!(await r.more())) break;
      const blockAt = r.offset();
      const location = `offset ${blockAt}`;
      const count = await r.long();
      const size = await r.long();
      if (!(count >= 0 && size >= 0)) { batch.push({ bytes: Buffer.alloc(0), location, error: { reason: 'truncated', message: `file ends inside the block header at offset ${blockAt}` } }); break; }
      const have = await r.need(size + 16);
      if (!have) { batch.push({ bytes: Buffer.from(r.buf.subarray(r.pos, r.end)), location, error: { reason: 'truncated', message: `file ends inside the block at offset ${blockAt} (declares ${size} bytes)` } }); break; }
      const data = Buffer.from(r.buf.subarray(r.pos, r.pos + size));
      r.pos += size;
      if (!r.buf.subarray(r.pos, r.pos + 16).equals(sync)) { batch.push({ bytes: data, location, error: { reason: 'malformed', message: `block at offset ${blockAt} does not end with the file's sync marker` } }); break; }
      r.pos += 16;
      if (count === 1) batch.push({ bytes: data, location });
      else {
        // a block of several records (another writer): find their boundaries by decoding
        codec ??= createEventCodec();
        let p = 0;
        for (let i = 0; i < count; i++) {
          try { const { end } = codec.decode(data, p); batch.push({ bytes: data.subarray(p, end), location: `${location} record ${i}` }); p = end; } catch (err) { batch.push({ bytes: data.subarray(p), location, error: { reason: 'malformed', message: (err as Error).message } }); break; }
        }
      }
      if (batch.length >= batchSize) { yield batch; batch = []; }
    }
    if (batch.length) yield batch;
  } finally {
    await fh.close();
  }
}

class ChunkReader {
  buf = Buffer.alloc(0);
  pos = 0;
  end = 0;
  private fileOffset = 0; // file offset of buf[0]
  private eof = false;
  constructor(private readonly fh: FileHandle) {}
  offset(): number { return this.fileOffset + this.pos; }
  /** Ensures n bytes are buffered from pos; false at end of file. */
  async need(n: number): Promise<boolean> {
    while (this.end - this.pos < n) {
      if (this.eof) return false;
      const keep = this.end - this.pos;
      const next = Buffer.allocUnsafe(Math.max(4 * CHUNK, n + CHUNK));
      this.buf.copy(next, 0, this.pos, this.end);
      this.fileOffset += this.pos;
      const { bytesRead } = await this.fh.read(next, keep, next.length - keep, this.fileOffset + keep);
      if (bytesRead === 0) this.eof = true;
      this.buf = next; this.pos = 0; this.end = keep + bytesRead;
    }
    return true;
  }
  async more(): Promise<boolean> { return this.need(1); }
  async long(): Promise<number> {
    let n = 0; let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (!(await this.need(1))) return NaN;
      const byte = this.buf[this.pos++]!;
      n += (byte & 0x7f) * mul;
      if ((byte & 0x80) === 0) return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
      mul *= 128;
    }
    return NaN;
  }
  async skip(n: number): Promise<void> { await this.need(n); this.pos += n; }
}
