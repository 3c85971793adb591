import { ErrorCodes, VexfsError } from '../errors.js';

/** What a result is grouped by. `all` is the whole stream. */
export type Dimension = 'all' | 'op' | 'prefix' | 'process';
export const DIMENSIONS: readonly Dimension[] = ['all', 'op', 'prefix', 'process'];

/**
 * Options of the stream processors. Names match `processors.*` in the global config
 * (src/config/schema.ts); the extra keys here have defaults and may be added there.
 */
export interface ProcessorOptions {
  /** Count-based sliding window length in events (seed 003). Default 10,000. */
  windowSize: number;
  /** Events of history the count windows keep as a baseline (seed 003). Default 100,000. */
  historySize: number;
  /** Count windows emit every `countSlide` events of a group; must divide windowSize and historySize. Default 1,000. */
  countSlide: number;
  /** Time-based sliding window length in ms (event time). Default 10,000. */
  windowMs: number;
  /** Time windows slide (and emit) every `slideMs`; must divide windowMs. Default 1,000. */
  slideMs: number;
  /** Path components kept by the `prefix` dimension ("/a/b/c.txt" → "/a/b" at 2). Default 2. */
  prefixDepth: number;
  /** Most groups per dimension; further groups are counted under "~other". Default 10,000. */
  maxGroups: number;
  /** Distinct files tracked per group of the time windows (mass detectors saturate beyond). Default 100,000. */
  maxDistinctFiles: number;
  /** Scales σ in the dynamic thresholds: warning at μ + 2σ·s, critical at μ + 3σ·s (seed 004). Default 1. */
  sensitivity: number;
  /** σ multiple of a warning (seed 004). Default 2. */
  warnSigma: number;
  /** σ multiple of a critical anomaly (seed 004). Default 3. */
  criticalSigma: number;
  /** Windows kept as the rolling baseline of each dynamic threshold. Default 300. */
  baselineWindows: number;
  /** Samples a detector needs before it may fire (seed 003). Default 50. */
  minSamples: number;
  /** Isolation forest training window, in feature vectors (seed 003). Default 1,000. */
  anomalyWindow: number;
  /** Isolation forest expected outlier fraction, in (0, 0.5) (seed 003). Default 0.05. */
  contamination: number;
  /** Isolation forest trees. Default 100. */
  forestTrees: number;
  /** Isolation forest: lowest score (0..1) ever reported as an outlier. Default 0.62. */
  forestMinScore: number;
  /** Mass detectors fire only at or above this many distinct files in a window. Default 50. */
  massMinFiles: number;
  /** Pattern discovery: shortest sequence (seed 003). Default 2. */
  patternMinLength: number;
  /** Pattern discovery: longest sequence (seed 003). Default 10. */
  patternMaxLength: number;
  /** Pattern discovery: fraction of sequences that must contain a pattern (seed 003). Default 0.1. */
  patternMinSupport: number;
  /** Pattern discovery: P(last op | the ops before it) (seed 003). Default 0.8. */
  patternMinConfidence: number;
  /** Pattern discovery window in ms (seed 003: 300 s). Default 300,000. */
  patternWindowMs: number;
  /** Pattern discovery groups sequences by process or path prefix. Default 'process'. */
  patternDimension: 'process' | 'prefix';
  /** Most sequences kept per pattern window (memory bound). Default 20,000. */
  patternMaxSequences: number;
  /** Most patterns emitted per group and window (highest support first). Default 20. */
  patternMaxPerGroup: number;
  /** Bridge batch size (seed 000). Default 100. */
  batchSize: number;
  /**
   * Most events one sink write may carry. While a write is in flight, the batches that queue up
   * behind it are sent together in the next write (adaptive batching): batchSize-sized writes
   * when the sink keeps up, larger ones when it does not. Default 10,000.
   */
  maxBatch: number;
  /** Bridge flush interval in ms (seed 000: lazy sync 10 ms). Default 10. */
  flushMs: number;
  /** Events a bridge lane may hold (queued + being written) before the source is paused. Default 10,000. */
  laneCapacity: number;
}

/** The defaults, frozen. */
export const DEFAULT_PROCESSOR_OPTIONS: Readonly<ProcessorOptions> = Object.freeze({
  windowSize: 10_000,
  historySize: 100_000,
  countSlide: 1_000,
  windowMs: 10_000,
  slideMs: 1_000,
  prefixDepth: 2,
  maxGroups: 10_000,
  maxDistinctFiles: 100_000,
  sensitivity: 1,
  warnSigma: 2,
  criticalSigma: 3,
  baselineWindows: 300,
  minSamples: 50,
  anomalyWindow: 1_000,
  contamination: 0.05,
  forestTrees: 100,
  forestMinScore: 0.62,
  massMinFiles: 50,
  patternMinLength: 2,
  patternMaxLength: 10,
  patternMinSupport: 0.1,
  patternMinConfidence: 0.8,
  patternWindowMs: 300_000,
  patternDimension: 'process',
  patternMaxSequences: 20_000,
  patternMaxPerGroup: 20,
  batchSize: 100,
  maxBatch: 10_000,
  flushMs: 10,
  laneCapacity: 10_000,
});

type Rule = { int?: boolean; min: number; max: number; minExclusive?: boolean; maxExclusive?: boolean } | { oneOf: readonly string[] };

const RULES: Record<keyof ProcessorOptions, Rule> = {
  windowSize: { int: true, min: 1, max: 10_000_000 },
  historySize: { int: true, min: 1, max: 100_000_000 },
  countSlide: { int: true, min: 1, max: 10_000_000 },
  windowMs: { int: true, min: 1, max: 86_400_000 },
  slideMs: { int: true, min: 1, max: 86_400_000 },
  prefixDepth: { int: true, min: 1, max: 64 },
  maxGroups: { int: true, min: 1, max: 10_000_000 },
  maxDistinctFiles: { int: true, min: 1, max: 100_000_000 },
  sensitivity: { min: 0, max: 10, minExclusive: true },
  warnSigma: { min: 0, max: 100, minExclusive: true },
  criticalSigma: { min: 0, max: 100, minExclusive: true },
  baselineWindows: { int: true, min: 2, max: 1_000_000 },
  minSamples: { int: true, min: 1, max: 1_000_000 },
  anomalyWindow: { int: true, min: 2, max: 1_000_000 },
  contamination: { min: 0, max: 0.5, minExclusive: true, maxExclusive: true },
  forestTrees: { int: true, min: 1, max: 10_000 },
  forestMinScore: { min: 0, max: 1 },
  massMinFiles: { int: true, min: 1, max: 100_000_000 },
  patternMinLength: { int: true, min: 2, max: 100 },
  patternMaxLength: { int: true, min: 2, max: 100 },
  patternMinSupport: { min: 0, max: 1, minExclusive: true },
  patternMinConfidence: { min: 0, max: 1, minExclusive: true },
  patternWindowMs: { int: true, min: 1, max: 86_400_000 },
  patternDimension: { oneOf: ['process', 'prefix'] },
  patternMaxSequences: { int: true, min: 1, max: 10_000_000 },
  patternMaxPerGroup: { int: true, min: 1, max: 100_000 },
  batchSize: { int: true, min: 1, max: 100_000 },
  maxBatch: { int: true, min: 1, max: 1_000_000 },
  flushMs: { int: true, min: 1, max: 60_000 },
  laneCapacity: { int: true, min: 1, max: 100_000_000 },
};

function invalid(key: string, value: unknown, allowed: string): VexfsError {
  return new VexfsError(ErrorCodes.CONFIG_INVALID, `processors.${key} = ${JSON.stringify(value)} is invalid: ${allowed}`, { context: { key: `processors.${key}`, value } });
}

/** Merges `input` over the defaults, refuses unknown keys and out-of-range values (VEXFS_CONFIG_INVALID naming the key); the result is frozen. */
export function resolveProcessorOptions(input: Partial<ProcessorOptions> = {}): Readonly<ProcessorOptions> {
  if (input === null || typeof input !== 'object') throw invalid('(options)', input, 'expected an object');
  for (const key of Object.keys(input)) {
    if (!(key in RULES)) throw invalid(key, (input as Record<string, unknown>)[key], `unknown key; allowed keys: ${Object.keys(RULES).join(', ')}`);
  }
  const out = { ...DEFAULT_PROCESSOR_OPTIONS, ...input } as ProcessorOptions;
  for (const [key, rule] of Object.entries(RULES) as [keyof ProcessorOptions, Rule][]) {
    const v = out[key] as unknown;
    if ('oneOf' in rule) {
      if (!rule.oneOf.includes(v as string)) throw invalid(key, v, `expected one of ${rule.oneOf.join(', ')}`);
      continue;
    }
    const range = `${rule.minExclusive ? '>' : '≥'} ${rule.min} and ${rule.maxExclusive ? '<' : '≤'} ${rule.max}`;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(key, v, `expected a number ${range}`);
    if (rule.int && !Number.isInteger(v)) throw invalid(key, v, `expected an integer ${range}`);
    if (v < rule.min || (rule.minExclusive && v === rule.min) || v > rule.max || (rule.maxExclusive && v === rule.max)) throw invalid(key, v, `expected ${range}`);
  }
  if (out.windowSize % out.countSlide !== 0) throw invalid('countSlide', out.countSlide, `must divide windowSize (${out.windowSize})`);
  if (out.historySize % out.countSlide !== 0 || out.historySize < out.windowSize) throw invalid('historySize', out.historySize, `must be a multiple of countSlide (${out.countSlide}) and ≥ windowSize (${out.windowSize})`);
  if (out.windowMs % out.slideMs !== 0) throw invalid('slideMs', out.slideMs, `must divide windowMs (${out.windowMs})`);
  if (out.criticalSigma < out.warnSigma) throw invalid('criticalSigma', out.criticalSigma, `must be ≥ warnSigma (${out.warnSigma})`);
  if (out.patternMaxLength < out.patternMinLength) throw invalid('patternMaxLength', out.patternMaxLength, `must be ≥ patternMinLength (${out.patternMinLength})`);
  if (out.maxBatch < out.batchSize) throw invalid('maxBatch', out.maxBatch, `must be ≥ batchSize (${out.batchSize})`);
  if (out.minSamples > out.anomalyWindow) throw invalid('minSamples', out.minSamples, `must be ≤ anomalyWindow (${out.anomalyWindow})`);
  return Object.freeze(out);
}
