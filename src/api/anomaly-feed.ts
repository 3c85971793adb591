import type { SemanticPayload, VexEvent } from '../events/types.js';
import type { AnomalyPort, LiveEventSource } from './deps.js';

/** True for an anomaly event (kind semantic, payload.type 'anomaly'). */
export function isAnomaly(ev: VexEvent): ev is VexEvent<'semantic'> {
  return ev.kind === 'semantic' && (ev.payload as SemanticPayload).type === 'anomaly';
}

/** An AnomalyPort that keeps the last `capacity` (default 200) anomalies seen on a live source, in a ring. */
export function createAnomalyFeed(source: LiveEventSource, opts: { capacity?: number } = {}): AnomalyPort & { close(): void } {
  const capacity = opts.capacity ?? 200;
  const ring: Array<VexEvent<'semantic'>> = [];
  const unsubscribe = source.subscribe((ev) => {
    if (!isAnomaly(ev)) return;
    ring.push(ev);
    if (ring.length > capacity) ring.shift();
  });
  return {
    recent(limit) { return ring.slice(-limit).reverse(); },
    close: unsubscribe,
  };
}
