import { ZERO_HASH } from '../../src/events/codec.js';
import { fsPayload } from '../../src/events/payloads.js';
import type { VexEvent } from '../../src/events/types.js';
import { mulberry32 } from '../../src/processors/internals/isolation-forest.js';

/**
 * Labelled synthetic traces for the detectors: normal filesystem traffic from a set of
 * processes, with anomalies of each type injected at known intervals. Fixed seeds make every
 * trace reproducible. Event time only (ts); the trace is replayed as fast as it can be processed.
 *
 * Normal traffic: `rate` events/s (±20 % slow swell, Poisson arrivals), 20 processes, each
 * working file by file in its own directory (open → read×k or write×k → release, getattr),
 * log-normal latency around 60 µs, ~1 % ENOENT errors, and now and then a process that lists
 * or copies a few dozen files (the noise the mass detectors must tolerate).
 */
export type InjectedType = 'latency_spike' | 'error_burst' | 'throughput_collapse' | 'mass_modification' | 'mass_read';
export const INJECTED_TYPES: readonly InjectedType[] = ['latency_spike', 'error_burst', 'throughput_collapse', 'mass_modification', 'mass_read'];

/** One injected anomaly: its type and interval of event time (µs). */
export interface Injection { type: InjectedType; start: number; end: number; pid: number }

export interface Trace { events: VexEvent[]; injections: Injection[]; seed: number }

export interface TraceOptions {
  seed: number;
  /** Normal events per second; default 200. */
  rate?: number;
  /** Injections of each type; default 3. */
  perType?: number;
  /** Seconds of normal traffic before the first injection (the detectors' warm-up); default 150. */
  warmupS?: number;
  /** Seconds of normal traffic after each injection; default 90. */
  gapS?: number;
  /** Trace start in µs; default 2026-01-01T00:00:00Z. */
  startUs?: number;
}

const T0 = Date.UTC(2026, 0, 1) * 1000;

export function generateTrace(o: TraceOptions): Trace {
  const rand = mulberry32(o.seed);
  const rate = o.rate ?? 200;
  const perType = o.perType ?? 3;
  const start = o.startUs ?? T0;
  const gap = (o.gapS ?? 90) * 1e6;
  // Schedule: each type perType times, in a seeded shuffled order.
  const order: InjectedType[] = [];
  for (let k = 0; k < perType; k++) order.push(...INJECTED_TYPES);
  for (let i = order.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [order[i], order[j]] = [order[j]!, order[i]!]; }
  const injections: Injection[] = [];
  let t = start + (o.warmupS ?? 150) * 1e6;
  let attacker = 6000;
  for (const type of order) {
    const len = (type === 'throughput_collapse' ? 30 : type.startsWith('mass') ? 15 : 20) * 1e6;
    injections.push({ type, start: t, end: t + len, pid: type.startsWith('mass') ? attacker++ : -1 });
    t += len + gap;
  }
  const end = t;

  const events: VexEvent[] = [];
  let n = 0;
  const push = (ts: number, op: string, path: string, pid: number, extra: { size?: number; errno?: number; latencyUs: number; path2?: string }): void => {
    n++;
    const errno = extra.errno ?? 0;
    events.push({
      id: `00000000-0000-7000-8000-${n.toString(16).padStart(12, '0')}`, node: 'trace', seq: n, ts: Math.round(ts), kind: 'fs', op, priority: 'normal', key: path,
      prevHash: ZERO_HASH, hash: ZERO_HASH,
      payload: fsPayload({ path, path2: extra.path2 ?? null, size: extra.size ?? 0, result: errno ? -errno : extra.size ?? 0, errno, latencyUs: Math.round(extra.latencyUs), pid, uid: 1000, gid: 1000 }),
    });
  };
  const lognormal = (median: number, sigma: number): number => {
    const u = Math.max(1e-12, rand()), v = rand();
    return median * Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
  // Normal traffic is generated in time order, so the injection in force is tracked by a cursor.
  let cursor = 0;
  const active = (ts: number, type: InjectedType): boolean => {
    while (cursor < injections.length && injections[cursor]!.end <= ts) cursor++;
    const i = injections[cursor];
    return i !== undefined && i.type === type && ts >= i.start;
  };

  // Per-process working state: current file and ops left on it.
  const procs = Array.from({ length: 20 }, (_, i) => ({ pid: 1000 + i, file: '', left: 0, writer: i % 3 === 0 }));
  let ts = start;
  while (ts < end) {
    const swell = 1 + 0.2 * Math.sin((2 * Math.PI * (ts - start)) / 600e6);
    const collapse = active(ts, 'throughput_collapse') ? 0.1 : 1;
    ts += (-Math.log(Math.max(1e-12, rand())) / (rate * swell * collapse)) * 1e6;
    const p = procs[Math.floor(rand() * procs.length)]!;
    const spike = active(ts, 'latency_spike') ? 8 : 1;
    const errBurst = active(ts, 'error_burst');
    if (p.left === 0) {
      p.file = `/home/u${p.pid}/d${Math.floor(rand() * 5)}/f${Math.floor(rand() * 40)}.txt`;
      p.left = 2 + Math.floor(rand() * 8);
      push(ts, 'open', p.file, p.pid, { latencyUs: lognormal(40, 0.5) * spike });
      continue;
    }
    p.left--;
    const fail = errBurst ? rand() < 0.3 : rand() < 0.01;
    if (p.left === 0) { push(ts, 'release', p.file, p.pid, { latencyUs: lognormal(20, 0.5) * spike }); continue; }
    if (fail) { push(ts, 'getattr', `${p.file}.missing`, p.pid, { errno: 2, latencyUs: lognormal(30, 0.5) * spike }); continue; }
    if (rand() < 0.15) { push(ts, 'getattr', p.file, p.pid, { latencyUs: lognormal(15, 0.5) * spike }); continue; }
    push(ts, p.writer ? 'write' : 'read', p.file, p.pid, { size: 4096, latencyUs: lognormal(60, 0.6) * spike });
  }
  // Benign bursts: a process copying or listing a few dozen files (below the mass thresholds).
  for (let b = start + 60e6; b < end; b += 45e6 + rand() * 30e6) {
    const pid = 3000 + Math.floor(rand() * 5);
    const files = 10 + Math.floor(rand() * 25);
    for (let f = 0; f < files; f++) {
      const at = b + f * 100_000;
      push(at, rand() < 0.5 ? 'read' : 'write', `/srv/copy${pid}/c${f}.bin`, pid, { size: 65536, latencyUs: lognormal(80, 0.5) });
    }
  }
  // Injected attacks by their own processes.
  for (const inj of injections) {
    if (inj.type === 'mass_modification') {
      const files = 300;
      for (let f = 0; f < files; f++) {
        const at = inj.start + ((inj.end - inj.start) * f) / files;
        const path = `/home/u100${f % 20}/d${f % 5}/doc${f}.docx`;
        push(at, 'write', path, inj.pid, { size: 8192, latencyUs: lognormal(70, 0.5) });
        push(at + 1000, 'rename', path, inj.pid, { path2: `${path}.locked`, latencyUs: lognormal(40, 0.5) });
      }
    } else if (inj.type === 'mass_read') {
      const files = 400;
      for (let f = 0; f < files; f++) {
        const at = inj.start + ((inj.end - inj.start) * f) / files;
        push(at, 'read', `/home/u100${f % 20}/d${f % 5}/secret${f}.pdf`, inj.pid, { size: 65536, latencyUs: lognormal(70, 0.5) });
      }
    }
  }
  events.sort((a, b) => a.ts - b.ts);
  return { events, injections, seed: o.seed };
}

/** Precision/recall of one anomaly type. */
export interface Score { type: string; tp: number; fp: number; detected: number; injected: number; precision: number; recall: number }

/**
 * The matching rule: an anomaly of type T is a true positive when its window
 * [windowStart, windowEnd] overlaps an injected interval of type T; otherwise it is a false
 * positive. An injection is detected when at least one anomaly of its type overlaps it.
 * precision = TP / (TP + FP) (1 when nothing was raised), recall = detected / injected.
 * `outlier` (isolation forest) is matched against injections of any type.
 */
export function score(anomalies: readonly { anomalyType: string; windowStart: number; windowEnd: number }[], injections: readonly Injection[], type: string): Score {
  const mine = anomalies.filter((a) => a.anomalyType === type);
  const targets = type === 'outlier' ? injections : injections.filter((i) => i.type === type);
  const overlaps = (a: { windowStart: number; windowEnd: number }, i: Injection): boolean => a.windowStart < i.end && a.windowEnd > i.start;
  const tp = mine.filter((a) => targets.some((i) => overlaps(a, i))).length;
  const detected = targets.filter((i) => mine.some((a) => overlaps(a, i))).length;
  return { type, tp, fp: mine.length - tp, detected, injected: targets.length, precision: mine.length ? tp / mine.length : 1, recall: targets.length ? detected / targets.length : 1 };
}

let helperSeq = 0;
/** One fs event for operator tests: `tMs` is its event time in ms (= virtual time in marble tests). */
export function fsEvent(tMs: number, op: string, path: string, o: { pid?: number; errno?: number; latencyUs?: number; size?: number; path2?: string } = {}): VexEvent {
  helperSeq++;
  const errno = o.errno ?? 0;
  return {
    id: `00000000-0000-7000-9000-${helperSeq.toString(16).padStart(12, '0')}`, node: 'test', seq: helperSeq, ts: tMs * 1000, kind: 'fs', op, priority: 'normal', key: path,
    prevHash: ZERO_HASH, hash: ZERO_HASH,
    payload: fsPayload({ path, path2: o.path2 ?? null, size: o.size ?? 0, result: errno ? -errno : o.size ?? 0, errno, latencyUs: o.latencyUs ?? 100, pid: o.pid ?? 1 }),
  };
}
