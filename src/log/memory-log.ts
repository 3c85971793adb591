import { createEventCodec, ZERO_HASH, type EventCodec } from '../events/codec.js';
import type { VexEvent } from '../events/types.js';
import type { EventLog, LoggedEvent, ReadOptions } from './event-log.js';

/** In-memory EventLog for unit tests only (production code uses the journal or Kafka). */
export function createMemoryLog(opts: { codec?: EventCodec; strict?: boolean } = {}): EventLog & { events: LoggedEvent[] } {
  const codec = opts.codec ?? createEventCodec();
  const events: LoggedEvent[] = [];
  const waiters = new Set<() => void>();
  let closed = false;
  return {
    name: 'memory',
    events,
    strict: opts.strict ?? false,
    tail() {
      const last = events[events.length - 1];
      return last ? { seq: last.event.seq, hash: last.event.hash } : { seq: 0, hash: ZERO_HASH };
    },
    append(_event: VexEvent, bytes: Buffer) {
      const copy = Buffer.from(bytes);
      events.push({ event: codec.decode(copy).event, bytes: copy });
      for (const w of waiters) w();
    },
    async flush() {},
    async *read(ro: ReadOptions = {}) {
      let i = Math.max(0, (ro.from ?? 1) - (events[0]?.event.seq ?? 1));
      const batch = ro.batchSize ?? 1000;
      for (;;) {
        while (i < events.length) { const b = events.slice(i, i + batch); i += b.length; yield b; }
        if (!ro.follow || closed || ro.signal?.aborted) return;
        await new Promise<void>((resolve) => {
          const done = () => { waiters.delete(done); ro.signal?.removeEventListener('abort', done); resolve(); };
          waiters.add(done);
          ro.signal?.addEventListener('abort', done, { once: true });
        });
      }
    },
    async close() { closed = true; for (const w of waiters) w(); },
  };
}
