import { DDSketch } from '@datadog/sketches-js';
import type { Dimension } from '../options.js';
import { Pane, SKETCH_ACCURACY } from './pane.js';

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
  let sketch: DDSketch | null = null;
  const tracked: Pane[] = [];
  for (const p of panes) {
    if (p.count === 0) continue;
    count += p.count; errors += p.errors; bytes += p.bytes; bytesRead += p.bytesRead; reads += p.reads;
    modifications += p.modifications; renames += p.renames; unlinks += p.unlinks; extensionChanges += p.extensionChanges;
    if (p.latency) { sketch ??= new DDSketch({ relativeAccuracy: SKETCH_ACCURACY }); sketch.merge(p.latency); }
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
  return {
    mode, dimension, group, windowStart, windowEnd, count, errors, errorRate: count > 0 ? errors / count : 0,
    bytes, bytesRead, rate: seconds > 0 ? count / seconds : 0,
    latencyP50Us: sketch ? sketch.getValueAtQuantile(0.5) : 0,
    latencyP95Us: sketch ? sketch.getValueAtQuantile(0.95) : 0,
    latencyP99Us: sketch ? sketch.getValueAtQuantile(0.99) : 0,
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
