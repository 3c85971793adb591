import { asyncScheduler, connect, map, merge, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { VexEvent } from '../events/types.js';
import { metrics } from '../metrics/registry.js';
import { countWindowStats } from './count-window-stats.js';
import { Classifier } from './internals/classify.js';
import { SKETCH_ACCURACY } from './internals/pane.js';
import { detectAnomalies } from './detect-anomalies.js';
import { detectOutliers } from './detect-outliers.js';
import { discoverPatterns } from './discover-patterns.js';
import { timeWindowStats } from './time-window-stats.js';
import { anomalyEvent, patternEvent, windowEvent } from './to-semantic.js';
import type { ProcessorOptions } from './options.js';

/** Which result families analyse() emits; all on by default. */
export interface AnalyseSelection {
  countWindows?: boolean;
  timeWindows?: boolean;
  anomalies?: boolean;
  outliers?: boolean;
  patterns?: boolean;
}

/**
 * The whole analysis as one operator: events in, `semantic` result events out — count and
 * time window statistics (bulk), anomalies from the threshold detectors and the isolation
 * forest (critical), discovered patterns (bulk). `opts` must come from resolveProcessorOptions.
 * Results are stamped with `node` (the processor's name) and deterministic ids (see to-semantic).
 */
export function analyse(opts: Readonly<ProcessorOptions>, node: string, scheduler: SchedulerLike = asyncScheduler, select: AnalyseSelection = {}): OperatorFunction<VexEvent, VexEvent<'semantic'>> {
  const on = { countWindows: true, timeWindows: true, anomalies: true, outliers: true, patterns: true, ...select };
  // connect() subscribes every branch before the source starts, so a synchronous source feeds them all.
  return (events$) => events$.pipe(connect((ev$) => {
    // One classifier for every branch: each event is classified once (see Classifier).
    const classifier = new Classifier(opts.prefixDepth, SKETCH_ACCURACY);
    const outs: Observable<VexEvent<'semantic'>>[] = [];
    if (on.countWindows) {
      outs.push(ev$.pipe(countWindowStats({ windowSize: opts.windowSize, historySize: opts.historySize, slide: opts.countSlide, prefixDepth: opts.prefixDepth, maxGroups: opts.maxGroups, classifier }), map((s) => windowEvent(s, node))));
    }
    if (on.timeWindows || on.anomalies || on.outliers) {
      // Without time-window results, only the dimensions the detectors watch are computed.
      const dimensions = on.timeWindows ? undefined : (['all', 'process'] as const);
      const windows = timeWindowStats({ dimensions, windowMs: opts.windowMs, slideMs: opts.slideMs, prefixDepth: opts.prefixDepth, maxGroups: opts.maxGroups, maxDistinctFiles: opts.maxDistinctFiles, classifier }, scheduler);
      const toEvent = map((a: Parameters<typeof anomalyEvent>[0]) => {
        metrics.anomalies.inc({ type: a.anomalyType, severity: a.severity });
        return anomalyEvent(a, node);
      });
      outs.push(ev$.pipe(windows, connect((stats$) => {
        const fromStats: Observable<VexEvent<'semantic'>>[] = [];
        if (on.timeWindows) fromStats.push(stats$.pipe(map((s) => windowEvent(s, node))));
        if (on.anomalies) fromStats.push(stats$.pipe(detectAnomalies(opts), toEvent));
        if (on.outliers) fromStats.push(stats$.pipe(detectOutliers({ anomalyWindow: opts.anomalyWindow, minSamples: opts.minSamples, contamination: opts.contamination, trees: opts.forestTrees, minScore: opts.forestMinScore }), toEvent));
        return merge(...fromStats);
      })));
    }
    if (on.patterns) {
      outs.push(ev$.pipe(discoverPatterns({
        minLength: opts.patternMinLength, maxLength: opts.patternMaxLength, minSupport: opts.patternMinSupport, minConfidence: opts.patternMinConfidence,
        windowMs: opts.patternWindowMs, dimension: opts.patternDimension, prefixDepth: opts.prefixDepth, maxSequences: opts.patternMaxSequences, maxPerGroup: opts.patternMaxPerGroup, classifier,
      }, scheduler), map((p) => patternEvent(p, node))));
    }
    return merge(...outs);
  }));
}
