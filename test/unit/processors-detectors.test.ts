import { test } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, map, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { detectAnomalies } from '../../src/processors/detect-anomalies.js';
import { detectOutliers } from '../../src/processors/detect-outliers.js';
import { analyse } from '../../src/processors/analyse.js';
import { resolveProcessorOptions } from '../../src/processors/options.js';
import { IsolationForest, averagePathLength, mulberry32 } from '../../src/processors/internals/isolation-forest.js';
import type { WindowStats } from '../../src/processors/internals/window-stats.js';
import { INJECTED_TYPES, generateTrace, score } from '../support/traces.js';

const base: WindowStats = {
  mode: 'time', dimension: 'all', group: '*', windowStart: 0, windowEnd: 0, count: 1000, errors: 10, errorRate: 0.01, bytes: 0, bytesRead: 0,
  rate: 100, latencyP50Us: 50, latencyP95Us: 90, latencyP99Us: 100, reads: 0, modifications: 0, renames: 0, unlinks: 0, extensionChanges: 0,
  distinctReadFiles: 0, distinctModifiedFiles: 0, topPaths: [],
};
const opts = { warnSigma: 2, criticalSigma: 3, sensitivity: 1, baselineWindows: 100, minSamples: 50, massMinFiles: 50 };

/** A run of windows: 60 normal ones (small seeded noise), then `tail`. */
function windows(tail: Partial<WindowStats>[], noise = 0.03): Record<string, WindowStats> {
  const rand = mulberry32(7);
  const v: Record<string, WindowStats> = {};
  for (let i = 0; i < 60; i++) {
    const j = (): number => 1 + (rand() - 0.5) * 2 * noise;
    v[`n${i}`] = { ...base, windowStart: i * 1e6, windowEnd: (i + 10) * 1e6, rate: 100 * j(), latencyP99Us: 100 * j(), errorRate: 0.01 * j() };
  }
  tail.forEach((t, k) => { v[`t${k}`] = { ...base, windowStart: (60 + k) * 1e6, windowEnd: (70 + k) * 1e6, ...t }; });
  return v;
}
const marbleOf = (v: Record<string, WindowStats>): [string, Record<string, WindowStats>] => {
  // One window per frame; marble names must be single characters, so map them.
  const keys = Object.keys(v);
  const values: Record<string, WindowStats> = {};
  let m = '';
  keys.forEach((k, i) => { const c = String.fromCharCode(0x100 + i); values[c] = v[k]!; m += c; });
  return [m + '|', values];
};

test('detectAnomalies: latency spike raises warning then escalates to critical, once per episode', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable }) => {
    const [m, values] = marbleOf(windows([{ latencyP99Us: 140 }, { latencyP99Us: 160 }, { latencyP99Us: 400 }, { latencyP99Us: 500 }, { latencyP99Us: 100 }]));
    const out = cold(m, values).pipe(detectAnomalies(opts), map((a) => `${a.anomalyType}:${a.severity}`));
    // σ is floored at 25 % of μ: 140 is < 1.5× (guard); 160 is 2.4σ (warning); 400 critical; 500 same episode; 100 ends it.
    expectObservable(out).toBe('61ms a b 2ms |', { a: 'latency_spike:warning', b: 'latency_spike:critical' });
  });
});

test('detectAnomalies: error burst, throughput collapse, nothing before minSamples', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable }) => {
    const [m, values] = marbleOf(windows([{ errorRate: 0.3, errors: 300 }, { rate: 20 }]));
    const out = cold(m, values).pipe(detectAnomalies(opts), map((a) => `${a.anomalyType}:${a.severity}:${a.score > 3}`));
    expectObservable(out).toBe('60ms a b |', { a: 'error_burst:critical:true', b: 'throughput_collapse:critical:true' });
  });
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable }) => {
    const v = windows([]);
    const early: Record<string, WindowStats> = { a: v.n0!, b: { ...v.n1!, latencyP99Us: 10_000 } };
    expectObservable(cold('ab|', early).pipe(detectAnomalies(opts))).toBe('--|');
  });
});

test('detectAnomalies: mass modification / mass read per process against the pooled process baseline', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable }) => {
    const v: Record<string, WindowStats> = {};
    for (let i = 0; i < 60; i++) v[`n${i}`] = { ...base, dimension: 'process', group: String(100 + (i % 6)), distinctModifiedFiles: 2 + (i % 4), distinctReadFiles: 5 + (i % 3) };
    v.x = { ...base, dimension: 'process', group: '666', distinctModifiedFiles: 150, extensionChanges: 150, topPaths: ['/h/a.docx'] };
    v.y = { ...base, dimension: 'process', group: '777', distinctReadFiles: 400 };
    v.z = { ...base, dimension: 'process', group: '778', distinctReadFiles: 40 };
    const [m, values] = marbleOf(v);
    const out = cold(m, values).pipe(detectAnomalies(opts), map((a) => `${a.anomalyType}:${a.stats.group}:${a.severity}`));
    // 40 distinct reads is far above the baseline but below massMinFiles (50): no anomaly.
    expectObservable(out).toBe('60ms a b-|', { a: 'mass_modification:666:critical', b: 'mass_read:777:critical' });
  });
});

test('detectOutliers: isolation forest flags an out-of-distribution window after minSamples', () => {
  new TestScheduler((a, e) => assert.deepEqual(a, e)).run(({ cold, expectObservable }) => {
    const v = windows([{ rate: 5000, latencyP99Us: 50_000, errorRate: 0.5, distinctModifiedFiles: 900 }], 0.1);
    const [m, values] = marbleOf(v);
    const out = cold(m, values).pipe(detectOutliers({ anomalyWindow: 1000, minSamples: 50, contamination: 0.05 }), map((a) => `${a.anomalyType}:${a.score > 0.62}:${a.stats.windowStart}`));
    expectObservable(out).toBe('60ms a|', { a: 'outlier:true:60000000' });
  });
});

test('IsolationForest: c(n), planted outliers score high, inliers near 0.5, reproducible by seed', () => {
  assert.equal(averagePathLength(2), 1);
  assert.ok(Math.abs(averagePathLength(256) - 10.24) < 0.01);
  const rand = mulberry32(3);
  const data = Array.from({ length: 500 }, () => Float64Array.of(rand(), rand(), rand()));
  const f = new IsolationForest(data, { seed: 5 });
  const inlier = f.score(Float64Array.of(0.5, 0.5, 0.5));
  const outlier = f.score(Float64Array.of(5, -4, 3));
  assert.ok(inlier < 0.5, `inlier ${inlier}`);
  assert.ok(outlier > 0.62, `outlier ${outlier}`);
  assert.equal(new IsolationForest(data, { seed: 5 }).score(Float64Array.of(0.9, 0.1, 0.5)), f.score(Float64Array.of(0.9, 0.1, 0.5)));
});

test('labelled synthetic traces: every detector reaches precision ≥ 0.9 and recall ≥ 0.9', async () => {
  const popts = resolveProcessorOptions({});
  const all: Record<string, { tp: number; fp: number; detected: number; injected: number }> = {};
  for (const seed of [11, 12]) {
    const trace = generateTrace({ seed, rate: 100, perType: 2, gapS: 80 });
    const out = await lastValueFrom(from(trace.events).pipe(analyse(popts, 'test', undefined, { countWindows: false, timeWindows: false, patterns: false }), toArray()));
    const anomalies = out.map((e) => ({ anomalyType: e.payload.anomalyType!, windowStart: e.payload.windowStart, windowEnd: e.payload.windowEnd }));
    assert.ok(out.every((e) => e.kind === 'semantic' && e.op === 'anomaly' && e.priority === 'critical' && e.payload.severity !== null && e.payload.evidence.threshold !== undefined));
    for (const type of [...INJECTED_TYPES, 'outlier']) {
      const s = score(anomalies, trace.injections, type);
      const acc = (all[type] ??= { tp: 0, fp: 0, detected: 0, injected: 0 });
      acc.tp += s.tp; acc.fp += s.fp; acc.detected += s.detected; acc.injected += s.injected;
    }
  }
  for (const type of INJECTED_TYPES) {
    const a = all[type]!;
    const precision = a.tp / Math.max(1, a.tp + a.fp), recall = a.detected / a.injected;
    assert.ok(precision >= 0.9, `${type} precision ${precision} (${JSON.stringify(a)})`);
    assert.ok(recall >= 0.9, `${type} recall ${recall} (${JSON.stringify(a)})`);
  }
  // The isolation forest is reported, not held to the bar: by construction it flags ~contamination of normal windows.
  const o = all.outlier!;
  assert.ok(o.tp > 0, `isolation forest found nothing (${JSON.stringify(o)})`);
});

test('detectAnomalies: a ransomware-like burst on a fresh node (no baseline yet) is raised by the extension-change rule; a bulk copy is not', async () => {
  const proc = (p: Partial<WindowStats>): WindowStats => ({ ...base, dimension: 'process', group: '4242', ...p });
  const copy = proc({ distinctModifiedFiles: 400, modifications: 400, extensionChanges: 0 });
  const burst = proc({ distinctModifiedFiles: 300, modifications: 300, renames: 300, extensionChanges: 300 });
  const out = await lastValueFrom(from([copy, copy, burst, burst]).pipe(detectAnomalies(opts), toArray()));
  assert.equal(out.length, 1, 'one episode, raised once');
  assert.equal(out[0]!.anomalyType, 'mass_modification');
  assert.equal(out[0]!.severity, 'critical');
  assert.equal(out[0]!.detector, 'extension_change_rule');
  assert.equal(out[0]!.value, 600);
});

test('detectAnomalies: the extension-change rule is critical on a full, noisy pooled baseline too (a new process renaming files to .locked)', async () => {
  const proc = (group: string, p: Partial<WindowStats>): WindowStats => ({ ...base, dimension: 'process', group, ...p });
  // a busy pool: many processes whose windows modify 0..200 files (σ large enough that 170 would be only ~2σ)
  const normal = Array.from({ length: 200 }, (_, i) => proc(String(1000 + (i % 40)), { distinctModifiedFiles: (i * 37) % 200, modifications: (i * 37) % 200 }));
  const burst = proc('31337', { distinctModifiedFiles: 120, modifications: 240, renames: 120, extensionChanges: 120 });
  const out = await lastValueFrom(from([...normal, burst]).pipe(detectAnomalies(opts), toArray()));
  const mine = out.filter((a) => a.stats.group === '31337');
  assert.equal(mine.length, 1);
  assert.equal(mine[0]!.severity, 'critical');
  assert.equal(mine[0]!.detector, 'extension_change_rule');
});
