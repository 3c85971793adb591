/** Severity of an anomaly. */
export type Severity = 'warning' | 'critical';

/** The verdict of a dynamic threshold on one value. */
export interface ThresholdVerdict {
  severity: Severity | null;
  /** How many (floored) σ the value is past the baseline mean, in the watched direction. */
  sigmas: number;
  mean: number;
  stddev: number;
  /** The warning threshold the value was compared with. */
  warnAt: number;
}

/**
 * A rolling baseline (mean and σ of the last `size` values) with seed 004's thresholds:
 * warning at μ + warnSigma·σ·sensitivity, critical at μ + criticalSigma·σ·sensitivity
 * (mirrored for `direction: 'down'`). σ is floored at `floorRel`·|μ| + `floorAbs` so a
 * perfectly steady baseline does not make every wobble an anomaly.
 */
export class DynamicThreshold {
  private readonly values: Float64Array;
  private n = 0;
  private next = 0;
  private sum = 0;
  private sumSq = 0;

  constructor(private readonly size: number) { this.values = new Float64Array(size); }

  get samples(): number { return this.n; }
  get mean(): number { return this.n ? this.sum / this.n : 0; }
  get stddev(): number {
    if (this.n < 2) return 0;
    const m = this.sum / this.n;
    return Math.sqrt(Math.max(0, this.sumSq / this.n - m * m));
  }

  /** Adds a value to the baseline (the oldest falls out once `size` are held). */
  push(x: number): void {
    if (this.n === this.size) { const old = this.values[this.next]!; this.sum -= old; this.sumSq -= old * old; } else this.n++;
    this.values[this.next] = x;
    this.next = (this.next + 1) % this.size;
    this.sum += x; this.sumSq += x * x;
  }

  /** Judges `x` against the baseline (null severity below the warning threshold). */
  judge(x: number, o: { warnSigma: number; criticalSigma: number; sensitivity: number; direction: 'up' | 'down'; floorRel: number; floorAbs: number }): ThresholdVerdict {
    const mean = this.mean;
    const sd = Math.max(this.stddev, o.floorRel * Math.abs(mean) + o.floorAbs);
    const dev = o.direction === 'up' ? x - mean : mean - x;
    const sigmas = sd > 0 ? dev / (sd * o.sensitivity) : 0;
    const warnAt = o.direction === 'up' ? mean + o.warnSigma * sd * o.sensitivity : mean - o.warnSigma * sd * o.sensitivity;
    const severity = sigmas >= o.criticalSigma ? 'critical' : sigmas >= o.warnSigma ? 'warning' : null;
    return { severity, sigmas, mean, stddev: sd, warnAt };
  }
}
