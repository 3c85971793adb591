import avro from 'avsc';
import { ErrorCodes, VexfsError } from '../errors.js';
import type { EventCodec } from '../events/codec.js';
import { KIND_OF_BRANCH, PAYLOAD_FILES } from '../events/schema.js';
import type { Priority, VexEvent } from '../events/types.js';
import type { EventHead } from '../audit/event-bytes.js';

const PRIORITIES: Priority[] = ['critical', 'normal', 'bulk'];

/**
 * Decodes an event whose head `scanHead` already parsed: only the payload goes through avsc; the
 * head fields come from the scan (node and op names reused from a small cache instead of a string
 * per event), and prevHash/hash are views of the record (the record buffers of a replay are never
 * reused). The result equals codec.decode's event (a unit test checks).
 */
export function createHeadDecoder(codec: EventCodec): (buf: Buffer, h: EventHead, re: number) => VexEvent {
  const payloadTypes = PAYLOAD_FILES.map((n) => avro.Type.forSchema(codec.schemas.json[n]));
  const nodeCache = new NameCache();
  const opCache = new NameCache();
  return (buf, h, re) => {
    const at = h.prevHashAt + 32;
    const branch = buf[at]! >> 1;
    const pl = payloadTypes[branch]!.decode(buf, at + 1);
    if (pl.offset !== re - 32) throw new VexfsError(ErrorCodes.AVRO_DECODE, `not a valid VexFS Avro event: its payload ends at ${pl.offset - h.idStart} of ${re - h.idStart} bytes`);
    return {
      id: buf.utf8Slice(h.idStart, h.idEnd),
      node: nodeCache.get(buf, h.nodeStart, h.nodeEnd),
      seq: h.seq,
      ts: h.ts,
      kind: KIND_OF_BRANCH[h.kind]!,
      op: opCache.get(buf, h.opStart, h.opEnd),
      priority: PRIORITIES[h.priority]!,
      key: buf.utf8Slice(h.keyStart, h.keyEnd),
      prevHash: buf.subarray(h.prevHashAt, at),
      payload: pl.value as never,
      hash: buf.subarray(re - 32, re),
    };
  };
}

/** A few recently seen short names (node, op) by their bytes. */
class NameCache {
  private readonly bytes: Buffer[] = [];
  private readonly names: string[] = [];
  get(b: Buffer, s: number, e: number): string {
    const len = e - s;
    for (let j = 0; j < this.bytes.length; j++) {
      const c = this.bytes[j]!;
      if (c.length !== len) continue;
      let q = 0;
      while (q < len && b[s + q] === c[q]) q++;
      if (q === len) return this.names[j]!;
    }
    const name = b.toString('utf8', s, e);
    if (this.bytes.length < 64 && len <= 64) { this.bytes.push(Buffer.from(b.subarray(s, e))); this.names.push(name); }
    return name;
  }
}

declare module 'node:buffer' {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
  }
}
