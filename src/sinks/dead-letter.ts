import { createEventCodec, type EventCodec } from '../events/codec.js';
import type { VexEvent } from '../events/types.js';
import type { DeadLetter } from '../processors/dead-letter.js';
import type { SourcePosition } from './sink.js';

/**
 * Sinks use the processors' dead-letter port (src/processors/dead-letter.ts): a file when
 * embedded, the Kafka dead-letter topic in broker mode. This builds the letter of an event
 * a store refused for good.
 */

let codec: EventCodec | undefined;
let buf = Buffer.allocUnsafe(64 * 1024);

/** The event as Avro single-object bytes, or as JSON when it is too malformed to encode. */
function bytesOf(ev: VexEvent): Buffer {
  try {
    codec ??= createEventCodec();
    const copy = { ...ev };
    let end = codec.encodeInto(copy, buf, 0);
    while (end < 0) { buf = Buffer.allocUnsafe(buf.length * 2); end = codec.encodeInto(copy, buf, 0); }
    return codec.toSingleObject(buf.subarray(0, end));
  } catch {
    return Buffer.from(JSON.stringify(ev, (_k, v) => (v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('hex') : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
  }
}

/** A dead letter for `ev`: source "journal:<node>:<seq>" (or the batch's Kafka range), key = event key, value = the event. */
export function eventDeadLetter(stage: string, code: string, reason: string, ev: VexEvent, position: SourcePosition): DeadLetter {
  const source = position.kind === 'journal' ? `journal:${ev.node}:${ev.seq}` : `${position.token}#${ev.id}`;
  return { stage, code, reason, source, key: typeof ev.key === 'string' ? Buffer.from(ev.key) : null, value: bytesOf(ev), at: Date.now() };
}

/** Short label for the `reason` metric label (bounded cardinality). */
export function reasonLabel(reason: string): string {
  const m = /\(([A-Z_]{4,})\)/.exec(reason) ?? /^([A-Za-z]+Error)/.exec(reason);
  return m?.[1] ?? 'rejected';
}
