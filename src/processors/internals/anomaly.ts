import type { WindowStats } from './window-stats.js';
import type { Severity } from './dynamic-threshold.js';

/** The anomaly types the detectors raise. */
export type AnomalyType = 'latency_spike' | 'error_burst' | 'throughput_collapse' | 'mass_modification' | 'mass_read' | 'outlier';

/** One raised anomaly: what the detectors emit (toSemantic turns it into a `semantic` event). */
export interface Anomaly {
  anomalyType: AnomalyType;
  severity: Severity;
  /** σ past the baseline (threshold detectors) or the isolation score in 0..1 (outlier). */
  score: number;
  /** The watched value, its baseline and the warning threshold. */
  value: number;
  baseline: number;
  stddev: number;
  threshold: number;
  /** Which detector family raised it. */
  detector: 'dynamic_threshold' | 'isolation_forest' | 'extension_change_rule';
  /** The window that crossed the threshold (evidence: counts, rates, quantiles, top paths). */
  stats: WindowStats;
}

/**
 * Episode bookkeeping: a condition that stays anomalous over consecutive (overlapping)
 * windows is one anomaly, re-raised only when it escalates from warning to critical.
 */
export class Episodes {
  private readonly active = new Map<string, Severity>();
  constructor(private readonly max = 100_000) {}

  /** True when `severity` on `key` should be raised now (start of an episode or an escalation). */
  update(key: string, severity: Severity | null): boolean {
    const prev = this.active.get(key);
    if (severity === null) { if (prev !== undefined) this.active.delete(key); return false; }
    if (prev === severity || prev === 'critical') return false;
    if (prev === undefined && this.active.size >= this.max) this.active.delete(this.active.keys().next().value!);
    this.active.set(key, severity);
    return true;
  }
}
