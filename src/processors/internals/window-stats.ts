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

/** Sums `n` panes (ring order does not matter) into WindowStats; sketches are merged, file sets united. */
export function summarize(panes: readonly Pane[], mode: WindowStats['mode'], dimension: Dimension, group: string, windowStart: number, windowEnd: number, durationUs: number): WindowStats {
  let count = 0, errors = 0, bytes = 0, bytesRead = 0, reads = 0, modifications = 0, renames = 0, unlinks = 0, extensionChanges = 0;
  const sketches: DDSketch[] = [];
  const tracked: Pane[] = [];
  for (const p of panes) {
    if (p.count === 0) continue;
    count += p.count; errors += p.errors; bytes += p.bytes; bytesRead += p.bytesRead; reads += p.reads;
    modifications += p.modifications; renames += p.renames; unlinks += p.unlinks; extensionChanges += p.extensionChanges;
    if (p.latency) sketches.push(p.latency);
    if (p.paths) tracked.push(p);
  }
  let readFiles = 0, modifiedFiles = 0, topPaths = EMPTY;
  if (tracked.length === 1) {
    const p = tracked[0]!;
    readFiles = p.readFiles!.size; modifiedFiles = p.modifiedFiles!.size; topPaths = top(p.paths!);
  } else if (tracked.length > 1) {
    // Distinct files over the window are the union of the panes' sets (a file touched in two panes counts once).
    const readUnion = new Set<string>(), modUnion = new Set<string>(), pathUnion = new Map<string, number>();
    for (const p of tracked) addPane(p, readUnion, modUnion, pathUnion);
    readFiles = readUnion.size; modifiedFiles = modUnion.size; topPaths = top(pathUnion);
  }
  const seconds = durationUs / 1e6;
  windowQuantiles(sketches, quantiles);
  return {
    mode, dimension, group, windowStart, windowEnd, count, errors, errorRate: count > 0 ? errors / count : 0,
    bytes, bytesRead, rate: seconds > 0 ? count / seconds : 0,
    latencyP50Us: quantiles[0]!, latencyP95Us: quantiles[1]!, latencyP99Us: quantiles[2]!,
    reads, modifications, renames, unlinks, extensionChanges,
    distinctReadFiles: readFiles, distinctModifiedFiles: modifiedFiles, topPaths,
  };
}

function addPane(p: Pane, reads: Set<string>, mods: Set<string>, paths: Map<string, number>): void {
  for (const f of p.readFiles!) reads.add(f);
  for (const f of p.modifiedFiles!) mods.add(f);
  for (const [k, n] of p.paths!) paths.set(k, (paths.get(k) ?? 0) + n);
}

function top(paths: Map<string, number>): string[] {
  return [...paths].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 5).map((e) => e[0]);
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
