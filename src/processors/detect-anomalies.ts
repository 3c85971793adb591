import { Observable, type OperatorFunction } from 'rxjs';
import { Episodes, type Anomaly, type AnomalyType } from './internals/anomaly.js';
import { DynamicThreshold } from './internals/dynamic-threshold.js';
import type { WindowStats } from './internals/window-stats.js';
import type { Dimension } from './options.js';

/** Options of detectAnomalies (the dynamic-threshold detectors). */
export interface DetectAnomaliesOptions {
  /** σ multiple of a warning (seed 004: 2). */
  warnSigma: number;
  /** σ multiple of a critical anomaly (seed 004: 3). */
  criticalSigma: number;
  /** Scales σ (seed 004 sensitivity). */
  sensitivity: number;
  /** Baseline length in windows. */
  baselineWindows: number;
  /** Baseline samples needed before a detector fires (seed 003: 50). */
  minSamples: number;
  /** Mass detectors fire only at or above this many distinct files in a window. */
  massMinFiles: number;
}

/** How one detector reads a window. Fixed guards keep sampling noise of small windows from firing. */
interface Detector {
  type: AnomalyType;
  /** Dimensions it watches. */
  dimensions: readonly Dimension[];
  value(s: WindowStats): number;
  direction: 'up' | 'down';
  /** σ floor: floorRel·|μ| + floorAbs. */
  floorRel: number;
  floorAbs: number;
  /** Windows with fewer events are not judged (too noisy), nor added to the baseline. */
  minCount: number;
  /** A further absolute condition on the value and baseline (a practical-significance guard). */
  guard(value: number, mean: number, o: DetectAnomaliesOptions): boolean;
  /** One baseline for all groups of a dimension (a new process has no history of its own). */
  pooled: boolean;
  /**
   * An absolute rule judged while the baseline is still shorter than minSamples, so a node
   * attacked in its first minutes is not silent: returns true when the window is anomalous on
   * its own (raised critical, kept out of the baseline).
   */
  /** An absolute rule that raises `critical` on any baseline, before or after minSamples. */
  rule?(s: WindowStats, o: DetectAnomaliesOptions): boolean;
}

/** The five threshold detectors, their watched values and guards (documented in docs/processors.md). */
export const DETECTORS: readonly Detector[] = [
  { type: 'latency_spike', dimensions: ['all'], value: (s) => s.latencyP99Us, direction: 'up', floorRel: 0.25, floorAbs: 1, minCount: 50, pooled: false, guard: (v, m) => v >= 1.5 * m },
  { type: 'error_burst', dimensions: ['all'], value: (s) => s.errorRate, direction: 'up', floorRel: 0.1, floorAbs: 0.02, minCount: 50, pooled: false, guard: (v, m) => v >= m + 0.05 },
  { type: 'throughput_collapse', dimensions: ['all'], value: (s) => s.rate, direction: 'down', floorRel: 0.2, floorAbs: 0, minCount: 0, pooled: false, guard: (v, m) => v <= 0.6 * m },
  { type: 'mass_modification', dimensions: ['process'], value: (s) => s.distinctModifiedFiles + s.extensionChanges, direction: 'up', floorRel: 0.1, floorAbs: 1, minCount: 0, pooled: true, guard: (v, _m, o) => v >= o.massMinFiles,
    // renaming massMinFiles files to another extension within one window is ransomware-like on any baseline
    rule: (s, o) => s.extensionChanges >= o.massMinFiles },
  { type: 'mass_read', dimensions: ['process'], value: (s) => s.distinctReadFiles, direction: 'up', floorRel: 0.1, floorAbs: 1, minCount: 0, pooled: true, guard: (v, _m, o) => v >= o.massMinFiles },
];

/**
 * Dynamic-threshold anomaly detection over time-window statistics: latency_spike (p99),
 * error_burst (error rate), throughput_collapse (rate, downwards), mass_modification (distinct
 * files written/renamed/unlinked plus extension changes, per process) and mass_read (distinct
 * files read, per process). A value is judged against the rolling baseline of its group (or of
 * all processes, for the mass detectors); anomalous values are kept out of the baseline so an
 * attack does not teach the detector that it is normal. One anomaly per episode (see Episodes).
 * Count windows are ignored (their span in time varies with the rate).
 */
export function detectAnomalies(opts: DetectAnomaliesOptions): OperatorFunction<WindowStats, Anomaly> {
  return (source) => new Observable<Anomaly>((subscriber) => {
    const baselines = new Map<string, DynamicThreshold>();
    const episodes = new Episodes();
    const baselineOf = (key: string): DynamicThreshold => {
      let b = baselines.get(key);
      if (b === undefined) {
        if (baselines.size >= 100_000) baselines.delete(baselines.keys().next().value!);
        b = new DynamicThreshold(opts.baselineWindows);
        baselines.set(key, b);
      }
      return b;
    };
    return source.subscribe({
      next(s) {
        if (s.mode !== 'time') return;
        for (const det of DETECTORS) {
          if (!det.dimensions.includes(s.dimension)) continue;
          const groupKey = `${det.type}|${s.dimension}|${s.group}`;
          if (s.count < det.minCount) { episodes.update(groupKey, null); continue; }
          const base = baselineOf(det.pooled ? `${det.type}|${s.dimension}` : groupKey);
          const x = det.value(s);
          if (det.rule?.(s, opts)) {
            // The absolute rule holds on any baseline (a new process in a busy pool included); the
            // value does not join the baseline.
            if (!episodes.update(groupKey, 'critical')) continue;
            subscriber.next({
              anomalyType: det.type, severity: 'critical', score: x / opts.massMinFiles, value: x, baseline: base.samples > 0 ? base.mean : 0, stddev: 0,
              threshold: opts.massMinFiles, detector: 'extension_change_rule', stats: s,
            });
            continue;
          }
          if (base.samples < opts.minSamples) { base.push(x); episodes.update(groupKey, null); continue; }
          const v = base.judge(x, { ...opts, direction: det.direction, floorRel: det.floorRel, floorAbs: det.floorAbs });
          const severity = v.severity !== null && det.guard(x, v.mean, opts) ? v.severity : null;
          if (severity === null) base.push(x);
          if (!episodes.update(groupKey, severity) || severity === null) continue;
          subscriber.next({
            anomalyType: det.type, severity, score: v.sigmas, value: x, baseline: v.mean, stddev: v.stddev,
            threshold: v.warnAt, detector: 'dynamic_threshold', stats: s,
          });
        }
      },
      error(err) { subscriber.error(err); },
      complete() { subscriber.complete(); },
    });
  });
}
