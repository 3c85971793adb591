import { ErrorCodes, VexfsError } from '../errors.js';
import type { Batch, Sink } from './sink.js';

/**
 * One Sink over several (e.g. ClickHouse + the semantic topic in broker mode): write()
 * hands the batch to all of them concurrently and resolves only when every one
 * acknowledged, so the runner commits a position only after all destinations have it.
 * If one fails the batch is re-sent to all of them: each must tolerate a repeat (the
 * ClickHouse sink drops it by token; topic consumers drop duplicates by event id).
 */
export function createFanoutSink(sinks: readonly Sink[]): Sink {
  if (!Array.isArray(sinks) || sinks.length === 0 || sinks.some((s) => typeof s?.write !== 'function')) {
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, 'createFanoutSink needs a non-empty list of sinks', { context: { key: 'sinks' } });
  }
  return {
    name: `fanout(${sinks.map((s) => s.name).join(',')})`,
    // as deep as the shallowest sink: each gets the batches in call order
    maxInFlight: Math.min(...sinks.map((s) => s.maxInFlight ?? 1)),
    async write(batch: Batch) {
      const settled = await Promise.allSettled(sinks.map((s) => s.write(batch)));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
    async healthcheck() {
      const all = await Promise.all(sinks.map(async (s) => ({ name: s.name, ...(await s.healthcheck().catch((e: Error) => ({ ok: false, detail: e.message }))) })));
      return { ok: all.every((h) => h.ok), detail: all.map((h) => `${h.name}: ${h.ok ? 'ok' : 'down'}${h.detail ? ` (${h.detail})` : ''}`).join('; ') };
    },
    async close() {
      const settled = await Promise.allSettled(sinks.map((s) => s.close()));
      const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** A sink that calls `observe` with each batch once the inner sink acknowledged it (live fan-out of processor results). */
export function observedSink(inner: Sink, observe: (batch: Batch) => void): Sink {
  return {
    name: inner.name,
    maxInFlight: inner.maxInFlight,
    async write(batch) { await inner.write(batch); observe(batch); },
    healthcheck: () => inner.healthcheck(),
    close: () => inner.close(),
  };
}
