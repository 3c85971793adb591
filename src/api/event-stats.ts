import { KINDS, type FsPayload, type VexEvent } from '../events/types.js';
import type { LiveEventSource, StatsPort, StatsSnapshot } from './deps.js';

/** Options of the live stats provider. */
export interface EventStatsOptions {
  /** Window over which rates and top paths are computed, in seconds; default 10. */
  windowSec?: number;
  /** Top paths reported; default 10. */
  topPaths?: number;
  /** Backlog gauges by place, read at each snapshot (e.g. journal unshipped events); default none. */
  backlog?: () => Record<string, number> | Promise<Record<string, number>>;
  /** Lags in seconds by stage, read at each snapshot; default none. */
  lags?: () => Record<string, number> | Promise<Record<string, number>>;
  /** Clock in ms; default Date.now. */
  now?: () => number;
}

/**
 * A StatsPort computed from a live event source: per-kind rates over a sliding window of
 * one-second buckets, totals since start, and the busiest fs paths of the window. Memory is
 * bounded by the window (one bucket per second, path counts per bucket).
 */
export function createEventStats(source: LiveEventSource, opts: EventStatsOptions = {}): StatsPort & { close(): void } {
  const windowSec = opts.windowSec ?? 10;
  const topN = opts.topPaths ?? 10;
  const now = opts.now ?? Date.now;
  const started = now();
  const totals: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
  interface Bucket { sec: number; kinds: Record<string, number>; paths: Map<string, number> }
  const buckets: Bucket[] = [];
  const MAX_PATHS_PER_BUCKET = 5000;

  const bucketFor = (sec: number): Bucket => {
    const last = buckets[buckets.length - 1];
    if (last && last.sec === sec) return last;
    const b: Bucket = { sec, kinds: {}, paths: new Map() };
    buckets.push(b);
    while (buckets.length > 0 && buckets[0]!.sec <= sec - windowSec) buckets.shift();
    return b;
  };

  const unsubscribe = source.subscribe((ev: VexEvent) => {
    totals[ev.kind] = (totals[ev.kind] ?? 0) + 1;
    const b = bucketFor(Math.floor(now() / 1000));
    b.kinds[ev.kind] = (b.kinds[ev.kind] ?? 0) + 1;
    if (ev.kind === 'fs') {
      const path = (ev.payload as FsPayload).path;
      // a burst over many distinct paths must not grow memory without bound
      if (b.paths.has(path) || b.paths.size < MAX_PATHS_PER_BUCKET) b.paths.set(path, (b.paths.get(path) ?? 0) + 1);
    }
  });

  return {
    async snapshot(): Promise<StatsSnapshot> {
      const t = now();
      const nowSec = Math.floor(t / 1000);
      const live = buckets.filter((b) => b.sec > nowSec - windowSec);
      // the current second is partial: divide by the time actually covered (at least 1 s)
      const covered = Math.max(1, Math.min(windowSec, (t - started) / 1000));
      const rates: Record<string, number> = Object.fromEntries(KINDS.map((k) => [k, 0]));
      const paths = new Map<string, number>();
      for (const b of live) {
        for (const [k, n] of Object.entries(b.kinds)) rates[k] = (rates[k] ?? 0) + n;
        for (const [p, n] of b.paths) paths.set(p, (paths.get(p) ?? 0) + n);
      }
      for (const k of Object.keys(rates)) rates[k] = Math.round((rates[k]! / covered) * 100) / 100;
      const topPaths = [...paths].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, topN).map(([path, count]) => ({ path, count }));
      return {
        rates, totals: { ...totals }, topPaths,
        backlog: (await opts.backlog?.()) ?? {},
        lags: (await opts.lags?.()) ?? {},
        uptimeSec: Math.round((t - started) / 1000),
      };
    },
    close: unsubscribe,
  };
}
