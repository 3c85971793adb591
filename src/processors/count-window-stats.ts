import { Observable, type OperatorFunction } from 'rxjs';
import type { VexEvent } from '../events/types.js';
import { Classifier, DIM_INDEX } from './internals/classify.js';
import { GroupTable } from './internals/group-table.js';
import { Pane, SKETCH_ACCURACY } from './internals/pane.js';
import { summarize, type WindowStats } from './internals/window-stats.js';
import type { Dimension } from './options.js';

/** Options of countWindowStats. */
export interface CountWindowOptions {
  /** Window length in events of one group (seed 003: 10,000). */
  windowSize: number;
  /** Events of one group kept as history/baseline (seed 003: 100,000); a multiple of `slide`. */
  historySize: number;
  /** Emit every `slide` events of a group; must divide windowSize and historySize. */
  slide: number;
  /** Dimensions to group by; default ['all', 'op', 'prefix', 'process']. */
  dimensions?: readonly Dimension[];
  /** Path components of the `prefix` dimension; default 2. */
  prefixDepth?: number;
  /** Most groups per dimension; default 10,000. */
  maxGroups?: number;
  /** Shared with the other operators of one pipeline (analyse() does), so events are classified once; default a private one. */
  classifier?: Classifier;
}

interface Ring {
  group: string;
  panes: Pane[];
  /** p99 of each closed pane (for the history's mean p99), NaN while unfilled. */
  paneP99: Float64Array;
  /** Panes closed so far. */
  closed: number;
  head: Pane;
}

/**
 * Count-based sliding windows per group: every `slide` events of a group it emits the
 * statistics of that group's last `windowSize` events, with `history` figures over its last
 * `historySize` events as a baseline. Rate is events per second of event time across the window.
 * Distinct-file counts are not tracked here (time windows track them).
 */
export function countWindowStats(opts: CountWindowOptions): OperatorFunction<VexEvent, WindowStats> {
  const dims = opts.dimensions ?? ['all', 'op', 'prefix', 'process'];
  const H = opts.historySize / opts.slide;
  const W = opts.windowSize / opts.slide;
  return (source) => new Observable<WindowStats>((subscriber) => {
    const classifier = opts.classifier ?? new Classifier(opts.prefixDepth ?? 2, SKETCH_ACCURACY);
    const dimIdx = dims.map((d) => DIM_INDEX[d]);
    const table = new GroupTable<Ring>(dims, opts.maxGroups ?? 10_000, (_dim, group) => {
      const head = new Pane(false);
      return { group, panes: [head], paneP99: new Float64Array(H).fill(NaN), closed: 0, head };
    });
    const windowPanes: Pane[] = [];

    const close = (d: number, ring: Ring): void => {
      const n = ring.closed;
      const slot = n % H;
      ring.paneP99[slot] = ring.head.latency ? ring.head.latency.getValueAtQuantile(0.99) : 0;
      ring.closed++;
      windowPanes.length = 0;
      let hCount = 0, hErrors = 0, hFirst = Infinity, hLast = 0, p99Sum = 0, p99N = 0;
      const filled = Math.min(ring.closed, H);
      for (let k = 0; k < filled; k++) {
        const p = ring.panes[(n - k + H) % H]!;
        if (k < W) windowPanes.push(p);
        hCount += p.count; hErrors += p.errors;
        if (p.firstTs < hFirst) hFirst = p.firstTs;
        if (p.lastTs > hLast) hLast = p.lastTs;
        const q = ring.paneP99[(n - k + H) % H]!;
        if (!Number.isNaN(q)) { p99Sum += q; p99N++; }
      }
      let wFirst = Infinity, wLast = 0;
      for (const p of windowPanes) { if (p.firstTs < wFirst) wFirst = p.firstTs; if (p.lastTs > wLast) wLast = p.lastTs; }
      const stats = summarize(windowPanes, 'count', dims[d]!, ring.group, wFirst, wLast, wLast - wFirst);
      // The pane that just left the window stays in the history by its counters and p99 only:
      // its sketch is dropped, so a group holds W sketches, not H.
      if (filled > W) ring.panes[(n - W + H) % H]!.latency = null;
      // n events span n − 1 gaps: rate over a count window is (n − 1) / span.
      const wSeconds = (wLast - wFirst) / 1e6;
      stats.rate = wSeconds > 0 ? (stats.count - 1) / wSeconds : 0;
      const hSeconds = (hLast - hFirst) / 1e6;
      stats.history = { count: hCount, errorRate: hCount ? hErrors / hCount : 0, rate: hSeconds > 0 ? (hCount - 1) / hSeconds : 0, meanP99Us: p99N ? p99Sum / p99N : 0 };
      // Next pane: reuse the ring slot that falls out of the history.
      const nextSlot = ring.closed % H;
      let next = ring.panes[nextSlot];
      if (next === undefined) { next = new Pane(false); ring.panes[nextSlot] = next; } else next.reset();
      ring.head = next;
      subscriber.next(stats);
    };

    return source.subscribe({
      next(ev) {
        const facts = classifier.classify(ev);
        const groups = facts.groups;
        for (let d = 0; d < dims.length; d++) {
          const g = groups[dimIdx[d]!];
          if (g == null) continue;
          const ring = table.get(d, g);
          ring.head.add(facts);
          if (ring.head.count === opts.slide) close(d, ring);
        }
      },
      error(err) { subscriber.error(err); },
      complete() { subscriber.complete(); },
    });
  });
}
