/** Public exports of the stream processors. */
export { analyse, type AnalyseSelection } from './analyse.js';
export { Bridge, LANES, type BridgeOptions } from './bridge.js';
export { countWindowStats, type CountWindowOptions } from './count-window-stats.js';
export { timeWindowStats, type TimeWindowOptions } from './time-window-stats.js';
export { detectAnomalies, DETECTORS, type DetectAnomaliesOptions } from './detect-anomalies.js';
export { detectOutliers, featuresOf, type DetectOutliersOptions } from './detect-outliers.js';
export { discoverPatterns, type DiscoverPatternsOptions, type Pattern } from './discover-patterns.js';
export { anomalyEvent, patternEvent, windowEvent, deterministicId } from './to-semantic.js';
export { deadLetterTopic, deadLetterOf, type DeadLetter, type DeadLetterPort } from './dead-letter.js';
export { createFileDeadLetters, readFileDeadLetters } from './dead-letter-file.js';
export { createKafkaDeadLetters } from './dead-letter-kafka.js';
export { readCheckpoint, type JournalCheckpoint } from './journal-source.js';
export { resolveProcessorOptions, DEFAULT_PROCESSOR_OPTIONS, DIMENSIONS, type ProcessorOptions, type Dimension } from './options.js';
export { runProcessor, type RunProcessorOptions, type JournalSourceOptions, type KafkaSourceOptions, type ProcessorHandle, type ProcessorStats } from './run-processor.js';
export type { WindowStats } from './internals/window-stats.js';
export type { Anomaly, AnomalyType } from './internals/anomaly.js';
