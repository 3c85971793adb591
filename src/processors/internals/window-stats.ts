import type { DDSketch } from '@datadog/sketches-js';
import type { Dimension } from '../options.js';
import type { Pane } from './pane.js';

/** The statistics of one group over one sliding window: what the window operators emit. */
export interface WindowStats {
  /** `count`: the last N events of the group; `time`: the last windowMs of event time. */
  mode: 'count' | 'time';
  dimension: Dimension;
  group: string;
  /** µs since the epoch (event time). */
  windowStart: number;
  windowEnd: number;
  count: number;
  errors: number;
  errorRate: number;
  bytes: number;
  bytesRead: number;
  /** Events per second over the window. */
  rate: number;
  latencyP50Us: number;
  latencyP95Us: number;
  latencyP99Us: number;
  reads: number;
  modifications: number;
  renames: number;
  unlinks: number;
  extensionChanges: number;
  /** Distinct files read / modified in the window (tracked for `all` and `process`; 0 elsewhere). */
  distinctReadFiles: number;
  distinctModifiedFiles: number;
  /** Most involved paths, most frequent first (at most 5). */
  topPaths: string[];
  /** Count windows only: the same figures over the history (historySize events). */
  history?: { count: number; errorRate: number; rate: number; meanP99Us: number };
}

const EMPTY: string[] = [];

/**
 * Sums `n` panes (ring order does not matter) into WindowStats; latency sketches are merged,
 * top paths counted over the panes' path counts. Distinct-file counts come from the caller
 * (time windows track them per window, see FileTracker); 0 when not given.
 */
export function summarize(panes: readonly Pane[], mode: WindowStats['mode'], dimension: Dimension, group: string, windowStart: number, windowEnd: number, durationUs: number, distinctReadFiles = 0, distinctModifiedFiles = 0): WindowStats {
  let count = 0, errors = 0, bytes = 0, bytesRead = 0, reads = 0, modifications = 0, renames = 0, unlinks = 0, extensionChanges = 0;
  const sketches: DDSketch[] = [];
  let tracked = 0;
  let only: Pane | null = null;
  for (const p of panes) {
    if (p.count === 0) continue;
    count += p.count; errors += p.errors; bytes += p.bytes; bytesRead += p.bytesRead; reads += p.reads;
    modifications += p.modifications; renames += p.renames; unlinks += p.unlinks; extensionChanges += p.extensionChanges;
    if (p.latency) sketches.push(p.latency);
    if (p.paths && p.paths.size > 0) { tracked++; only = p; }
  }
  let topPaths = EMPTY;
  if (tracked === 1) topPaths = top(only!.paths!);
  else if (tracked > 1) {
    const union = new Map<string, number>();
    for (const p of panes) if (p.count > 0 && p.paths) for (const [k, n] of p.paths) union.set(k, (union.get(k) ?? 0) + n);
    topPaths = top(union);
  }
  const seconds = durationUs / 1e6;
  windowQuantiles(sketches, quantiles);
  return {
    mode, dimension, group, windowStart, windowEnd, count, errors, errorRate: count > 0 ? errors / count : 0,
    bytes, bytesRead, rate: seconds > 0 ? count / seconds : 0,
    latencyP50Us: quantiles[0]!, latencyP95Us: quantiles[1]!, latencyP99Us: quantiles[2]!,
    reads, modifications, renames, unlinks, extensionChanges,
    distinctReadFiles, distinctModifiedFiles, topPaths,
  };
}

/** The 5 most touched paths (ties by path), by one pass over the map. */
function top(paths: Map<string, number>): string[] {
  const best: [string, number][] = [];
  for (const [k, n] of paths) {
    if (best.length === 5 && !better(n, k, best[4]!)) continue;
    let i = best.length < 5 ? best.length : 4;
    while (i > 0 && better(n, k, best[i - 1]!)) i--;
    best.splice(i, 0, [k, n]);
    if (best.length > 5) best.pop();
  }
  return best.map((e) => e[0]);
}

function better(n: number, k: string, than: [string, number]): boolean {
  return n > than[1] || (n === than[1] && k < than[0]);
}

const QS = [0.5, 0.95, 0.99];
const quantiles = new Float64Array(3);

/**
 * p50/p95/p99 of the union of pane sketches, without building a merged sketch: all panes share
 * one index mapping (same relative accuracy), so the window's bin count at key k is the sum of
 * the panes' bins at k. Same rank rule as DDSketch.getValueAtQuantile (values are ≥ 0, so the
 * negative store is empty); a unit test checks it against DDSketch.merge.
 */
export function windowQuantiles(sketches: readonly DDSketch[], out: Float64Array): void {
  out.fill(0);
  if (sketches.length === 0) return;
  let total = 0, zeros = 0, minKey = Infinity, maxKey = -Infinity;
  for (const s of sketches) {
    total += s.count; zeros += s.zeroCount;
    if (s.store.count > 0) { if (s.store.minKey < minKey) minKey = s.store.minKey; if (s.store.maxKey > maxKey) maxKey = s.store.maxKey; }
  }
  if (total === 0) return;
  const mapping = sketches[0]!.mapping;
  let q = 0;
  let rank = QS[0]! * (total - 1);
  while (q < QS.length && rank < zeros) { out[q++] = 0; rank = QS[q]! * (total - 1); }
  let cum = zeros;
  for (let k = minKey; k <= maxKey && q < QS.length; k++) {
    for (const s of sketches) {
      const i = k - s.store.offset;
      if (i >= 0 && i < s.store.bins.length) cum += s.store.bins[i]!;
    }
    while (q < QS.length && cum > rank) { out[q++] = mapping.value(k); rank = QS[q]! * (total - 1); }
  }
  const top = mapping.value(maxKey);
  while (q < QS.length) out[q++] = top;
}
