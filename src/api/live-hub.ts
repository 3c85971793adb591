import type { VexEvent } from '../events/types.js';
import type { EventLog } from '../log/event-log.js';
import type { LiveEventSource } from './deps.js';

/** A fan-out point for live events: producers `publish`, the API's stream and stats `subscribe`. */
export interface LiveHub extends LiveEventSource {
  /** Delivers one event to every subscriber synchronously; a throwing subscriber is dropped, never the publisher. */
  publish(event: VexEvent): void;
  /** Current number of subscribers. */
  readonly size: number;
}

/** Creates a hub; wire it as the emitter's `onEmit: (ev) => hub.publish(ev)` in the process that emits. */
export function createLiveHub(): LiveHub {
  const listeners = new Set<(event: VexEvent) => void>();
  return {
    get size() { return listeners.size; },
    publish(event) {
      for (const l of listeners) {
        try { l(event); } catch { listeners.delete(l); }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => { listeners.delete(listener); };
    },
  };
}

/**
 * Feeds a hub from an EventLog read with follow (a process that does not emit, e.g. one that
 * only reads the journal). Starts after the current tail unless `from` is given. Resolves when
 * `signal` aborts or the log closes.
 */
export async function pumpLogIntoHub(log: EventLog, hub: LiveHub, opts: { from?: number; signal: AbortSignal }): Promise<void> {
  const from = opts.from ?? log.tail().seq + 1;
  for await (const batch of log.read({ from, follow: true, signal: opts.signal })) {
    for (const { event } of batch) hub.publish(event);
    if (opts.signal.aborted) return;
  }
}
