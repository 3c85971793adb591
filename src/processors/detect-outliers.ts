import { Observable, type OperatorFunction } from 'rxjs';
import { Episodes, type Anomaly } from './internals/anomaly.js';
import { IsolationForest } from './internals/isolation-forest.js';
import type { WindowStats } from './internals/window-stats.js';

/** Options of detectOutliers (the isolation forest). */
export interface DetectOutliersOptions {
  /** Feature vectors kept for training (seed 003: 1,000). */
  anomalyWindow: number;
  /** Vectors needed before the first training (seed 003: 50). */
  minSamples: number;
  /** Expected outlier fraction: the score threshold is the (1 − contamination) quantile of training scores (seed 003: 0.05). */
  contamination: number;
  /** Trees per forest; default 100. */
  trees?: number;
  /** Scores below this are never outliers, whatever the quantile says; default 0.62. */
  minScore?: number;
  /** Seed of the forest's PRNG; default 1. */
  seed?: number;
}

/** The per-window feature vector: log-scaled rate, error rate, p99 latency, distinct files modified/read, bytes. */
export function featuresOf(s: WindowStats): Float64Array {
  return Float64Array.of(Math.log1p(s.rate), s.errorRate, Math.log1p(s.latencyP99Us), Math.log1p(s.distinctModifiedFiles + s.extensionChanges), Math.log1p(s.distinctReadFiles), Math.log1p(s.bytes));
}

/**
 * Isolation-forest outlier detection over the `all` group's time windows. The forest is
 * (re)trained on the last `anomalyWindow` feature vectors every max(minSamples, anomalyWindow/10)
 * windows; a window scoring above the (1 − contamination) quantile of the training scores and
 * above `minScore` is an `outlier` anomaly (warning; critical at ≥ 0.75). Outlying windows are
 * not added to the training set.
 */
export function detectOutliers(opts: DetectOutliersOptions): OperatorFunction<WindowStats, Anomaly> {
  const refitEvery = Math.max(opts.minSamples, Math.floor(opts.anomalyWindow / 10));
  const minScore = opts.minScore ?? 0.62;
  return (source) => new Observable<Anomaly>((subscriber) => {
    const ring: Float64Array[] = [];
    let next = 0;
    let sinceFit = 0;
    let forest: IsolationForest | null = null;
    let threshold = 1;
    let fits = 0;
    const episodes = new Episodes();
    return source.subscribe({
      next(s) {
        if (s.mode !== 'time' || s.dimension !== 'all') return;
        const x = featuresOf(s);
        let outlier = false;
        if (forest) {
          const score = forest.score(x);
          outlier = score > threshold && score >= minScore;
          const severity = outlier ? (score >= 0.75 ? 'critical' : 'warning') : null;
          if (episodes.update(s.group, severity) && severity) {
            subscriber.next({ anomalyType: 'outlier', severity, score, value: score, baseline: 0.5, stddev: 0, threshold, detector: 'isolation_forest', stats: s });
          }
        }
        if (outlier) return;
        if (ring.length < opts.anomalyWindow) ring.push(x); else ring[next] = x;
        next = (next + 1) % opts.anomalyWindow;
        if (ring.length >= opts.minSamples && (forest === null || ++sinceFit >= refitEvery)) {
          forest = new IsolationForest(ring, { trees: opts.trees ?? 100, seed: (opts.seed ?? 1) + fits++ });
          const scores = ring.map((v) => forest!.score(v)).sort((a, b) => a - b);
          threshold = scores[Math.min(scores.length - 1, Math.floor((1 - opts.contamination) * scores.length))]!;
          sinceFit = 0;
        }
      },
      error(err) { subscriber.error(err); },
      complete() { subscriber.complete(); },
    });
  });
}
