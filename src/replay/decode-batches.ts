import { ErrorCodes, VexfsError } from '../errors.js';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import type { LoggedEvent } from '../log/event-log.js';
import { locationOf, type EventBytes } from '../audit/verify.js';

/**
 * Decodes batches of raw event bytes (the raw journal reader, an exported file, a Kafka range)
 * into LoggedEvents; a damaged record throws (run audit verify to locate damage), with
 * codec.decode. A replay from raw records (journalRecords) decodes differently: head-decode.ts
 * takes the head from the scan it already did and decodes only the payload with avsc.
 */
export async function* decodeBatches(source: AsyncIterable<ReadonlyArray<EventBytes>>, codec: EventCodec = createEventCodec()): AsyncGenerator<LoggedEvent[]> {
  for await (const batch of source) {
    const out: LoggedEvent[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const e = batch[i]!;
      if (e.error) throw new VexfsError(ErrorCodes.AUDIT_FAILED, `cannot replay: ${e.error.message} (${locationOf(e) ?? ''}); run audit verify`, { context: { location: locationOf(e) } });
      out[i] = { event: codec.decode(e.bytes).event, bytes: e.bytes };
    }
    yield out;
  }
}
