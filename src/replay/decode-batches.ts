import avro from 'avsc';
import { ErrorCodes, VexfsError } from '../errors.js';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import { PAYLOAD_FILES } from '../events/schema.js';
import type { Kind, Priority, VexEvent } from '../events/types.js';
import type { LoggedEvent } from '../log/event-log.js';
import { newHead, scanHead } from '../audit/event-bytes.js';
import { locationOf, type EventBytes } from '../audit/verify.js';

const KINDS: Kind[] = ['fs', 'vector', 'semantic', 'system'];
const PRIORITIES: Priority[] = ['critical', 'normal', 'bulk'];

/**
 * A decoder for replay, about 2x codec.decode: the head is read with the verifier's byte scanner,
 * prevHash and hash are views of the record (no copies), the payload is decoded by avsc. The
 * result equals codec.decode's (a unit test checks), but its buffers share memory with `bytes`.
 */
export function createFastDecoder(codec: EventCodec = createEventCodec()): (bytes: Buffer) => VexEvent {
  const payloadTypes = PAYLOAD_FILES.map((n) => avro.Type.forSchema(codec.schemas.json[n]));
  const h = newHead();
  // enum symbol order of the contract; a schema change that reorders them must fail loudly here
  const ev = codec.schemas.json.Event.fields as { name: string; type: { symbols?: string[] } }[];
  if (JSON.stringify(ev.find((f) => f.name === 'kind')?.type.symbols) !== JSON.stringify(KINDS) || JSON.stringify(ev.find((f) => f.name === 'priority')?.type.symbols) !== JSON.stringify(PRIORITIES)) {
    throw new Error('fast decoder: Event.kind/priority enum symbols changed; update src/replay/fast-decode.ts');
  }
  return (b) => {
    if (!scanHead(b, h)) throw new VexfsError(ErrorCodes.AVRO_DECODE, `not a VexFS event (${b.length} bytes)`);
    // id: skip its length varint (a 36-char uuid has a one-byte length)
    let p = 0; let len = 0; let mul = 1;
    for (;;) { const x = b[p++]!; len += (x & 0x7f) * mul; if (!(x & 0x80)) break; mul *= 128; }
    len = len / 2;
    const id = b.toString('latin1', p, p + len);
    // priority and key sit between op and prevHash: re-read them
    let q = h.opEnd;
    const prio = b[q++]! >> 1;
    let klen = 0; mul = 1;
    for (;;) { const x = b[q++]!; klen += (x & 0x7f) * mul; if (!(x & 0x80)) break; mul *= 128; }
    klen = klen / 2;
    const key = b.toString('utf8', q, q + klen);
    const pl = payloadTypes[h.kind]!.decode(b, h.prevHashAt + 33);
    if (pl.offset !== b.length - 32) throw new VexfsError(ErrorCodes.AVRO_DECODE, `payload of seq ${h.seq} ends at ${pl.offset}, not before the hash`);
    return {
      id, node: b.toString('utf8', h.nodeStart, h.nodeEnd), seq: h.seq, ts: h.ts, kind: KINDS[h.kind]!, op: b.toString('utf8', h.opStart, h.opEnd),
      priority: PRIORITIES[prio]!, key, prevHash: b.subarray(h.prevHashAt, h.prevHashAt + 32), payload: pl.value as never, hash: b.subarray(b.length - 32),
    };
  };
}

/** Decodes batches of raw event bytes into LoggedEvents; a damaged record throws (run verify to locate damage). */
export async function* decodeBatches(source: AsyncIterable<ReadonlyArray<EventBytes>>, codec?: EventCodec): AsyncGenerator<LoggedEvent[]> {
  const decode = createFastDecoder(codec);
  for await (const batch of source) {
    const out: LoggedEvent[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      if (e.error) throw new VexfsError(ErrorCodes.AUDIT_FAILED, `cannot replay: ${e.error.message} (${locationOf(e) ?? ''}); run audit verify`, { context: { location: locationOf(e) } });
      out[i] = { event: decode(e.bytes), bytes: e.bytes };
    }
    yield out;
  }
}
