import { createHash } from 'node:crypto';
import { ZERO_HASH } from '../events/codec.js';
import { semanticPayload } from '../events/payloads.js';
import type { Priority, SemanticPayload, VexEvent } from '../events/types.js';
import type { Anomaly } from './internals/anomaly.js';
import type { WindowStats } from './internals/window-stats.js';
import type { Pattern } from './discover-patterns.js';

/**
 * Results are `semantic` VexEvents built here, not through the emitter: they are derived data,
 * reproducible from the log, so they carry no seq or hash chain (seq 0, zero hashes) and their
 * id is DETERMINISTIC — a UUIDv7 whose time is the window end and whose other bits hash the
 * result's identity. Re-processing the same events after a crash yields the same ids, so the
 * sink drops the duplicates by id.
 */
export function deterministicId(tsMicros: number, identity: string): string {
  const h = createHash('sha256').update(identity).digest();
  const ms = Math.max(0, Math.floor(tsMicros / 1000));
  const hex = ms.toString(16).padStart(12, '0').slice(-12) + h.toString('hex', 0, 10);
  const b = hex.split('');
  b[12] = '7';
  b[16] = ((parseInt(b[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = b.join('');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}

function semantic(node: string, op: string, key: string, priority: Priority, ts: number, identity: string, payload: SemanticPayload): VexEvent<'semantic'> {
  return { id: deterministicId(ts, identity), node, seq: 0, ts, kind: 'semantic', op, priority, key, prevHash: ZERO_HASH, payload, hash: ZERO_HASH };
}

function statsFields(s: WindowStats): Partial<SemanticPayload> {
  return {
    dimension: s.dimension, group: s.group, windowStart: Math.round(s.windowStart), windowEnd: Math.round(s.windowEnd),
    count: s.count, errors: s.errors, bytes: s.bytes, rate: s.rate,
    latencyP50Us: s.latencyP50Us, latencyP95Us: s.latencyP95Us, latencyP99Us: s.latencyP99Us, topPaths: s.topPaths,
  };
}

/** A window statistic as a `semantic` event (op `window`, bulk lane). */
export function windowEvent(s: WindowStats, node: string): VexEvent<'semantic'> {
  const evidence: Record<string, string> = {
    mode: s.mode, errorRate: String(s.errorRate), reads: String(s.reads), modifications: String(s.modifications),
    renames: String(s.renames), unlinks: String(s.unlinks), extensionChanges: String(s.extensionChanges),
    distinctReadFiles: String(s.distinctReadFiles), distinctModifiedFiles: String(s.distinctModifiedFiles), bytesRead: String(s.bytesRead),
  };
  if (s.history) {
    evidence.historyCount = String(s.history.count); evidence.historyErrorRate = String(s.history.errorRate);
    evidence.historyRate = String(s.history.rate); evidence.historyMeanP99Us = String(s.history.meanP99Us);
  }
  const identity = `window|${s.mode}|${s.dimension}|${s.group}|${s.windowStart}|${s.windowEnd}|${s.count}`;
  return semantic(node, 'window', `${s.dimension}:${s.group}`, 'bulk', Math.round(s.windowEnd), identity, semanticPayload({ type: 'window', ...statsFields(s), evidence }));
}

/** An anomaly as a `semantic` event (op `anomaly`, critical lane) with its evidence. */
export function anomalyEvent(a: Anomaly, node: string): VexEvent<'semantic'> {
  const s = a.stats;
  const evidence: Record<string, string> = {
    detector: a.detector, value: String(a.value), baseline: String(a.baseline), stddev: String(a.stddev), threshold: String(a.threshold),
    errorRate: String(s.errorRate), distinctModifiedFiles: String(s.distinctModifiedFiles), distinctReadFiles: String(s.distinctReadFiles),
    extensionChanges: String(s.extensionChanges), renames: String(s.renames), unlinks: String(s.unlinks), bytesRead: String(s.bytesRead),
  };
  if (s.dimension === 'process') evidence.process = s.group;
  const identity = `anomaly|${a.anomalyType}|${a.severity}|${s.dimension}|${s.group}|${s.windowStart}|${s.windowEnd}`;
  return semantic(node, 'anomaly', `${s.dimension}:${s.group}`, 'critical', Math.round(s.windowEnd), identity, semanticPayload({
    type: 'anomaly', ...statsFields(s), anomalyType: a.anomalyType, severity: a.severity, score: a.score, evidence,
  }));
}

/** A discovered pattern as a `semantic` event (op `pattern`, bulk lane); score is its confidence. */
export function patternEvent(p: Pattern, node: string): VexEvent<'semantic'> {
  const identity = `pattern|${p.dimension}|${p.group}|${p.windowStart}|${p.sequence.join('>')}`;
  return semantic(node, 'pattern', `${p.dimension}:${p.group}`, 'bulk', p.windowEnd, identity, semanticPayload({
    type: 'pattern', dimension: p.dimension, group: p.group, windowStart: p.windowStart, windowEnd: p.windowEnd,
    count: p.occurrences, score: p.confidence, support: p.support, sequence: p.sequence,
    evidence: { sequences: String(p.sequences), confidence: String(p.confidence) },
  }));
}
