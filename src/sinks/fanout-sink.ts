import type { Batch, Sink } from './sink.js';

/**
 * Writes each batch to several sinks and acknowledges only when all of them did, so the
 * runner commits a position every sink holds. A retried batch reaches every sink again
 * with the same position token, which each sink deduplicates on its own.
 */
export function fanoutSink(sinks: readonly Sink[], name = sinks.map((s) => s.name).join('+')): Sink {
  return {
    name,
    async write(batch: Batch) {
      await Promise.all(sinks.map((s) => s.write(batch)));
    },
    async healthcheck() {
      const results = await Promise.all(sinks.map(async (s) => ({ name: s.name, ...(await s.healthcheck().catch((e: Error) => ({ ok: false, detail: e.message }))) })));
      const bad = results.filter((r) => !r.ok);
      return bad.length === 0 ? { ok: true } : { ok: false, detail: bad.map((r) => `${r.name}: ${r.detail ?? 'down'}`).join('; ') };
    },
    async close() {
      await Promise.allSettled(sinks.map((s) => s.close()));
    },
  };
}

/** A sink that calls `observe` for every event of a batch once the inner sink acknowledged it (live fan-out of results). */
export function observedSink(inner: Sink, observe: (batch: Batch) => void): Sink {
  return {
    name: inner.name,
    async write(batch) { await inner.write(batch); observe(batch); },
    healthcheck: () => inner.healthcheck(),
    close: () => inner.close(),
  };
}
