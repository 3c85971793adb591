import { Observable, asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { VexEvent } from '../events/types.js';
import { Classifier, DIM_INDEX } from './internals/classify.js';
import { SKETCH_ACCURACY } from './internals/pane.js';

/** Options of discoverPatterns (seed 003 values as defaults in ProcessorOptions). */
export interface DiscoverPatternsOptions {
  minLength: number;
  maxLength: number;
  /** Fraction of a group's sequences that must contain the pattern. */
  minSupport: number;
  /** support(pattern) / support(pattern without its last op). */
  minConfidence: number;
  /** Tumbling window of event time the sequences are collected in. */
  windowMs: number;
  /** Group sequences by process (fs events with a pid) or by path prefix. */
  dimension: 'process' | 'prefix';
  prefixDepth?: number;
  /** Most sequences per window (later new sequences are not collected; counted in `dropped`). */
  maxSequences: number;
  /** Most patterns per group and window. */
  maxPerGroup: number;
  /** Shared with the other operators of one pipeline (analyse() does), so events are classified once; default a private one. */
  classifier?: Classifier;
}

/** A discovered frequent operation sequence. */
export interface Pattern {
  dimension: 'process' | 'prefix';
  group: string;
  sequence: string[];
  /** Fraction of the group's sequences that contain it. */
  support: number;
  confidence: number;
  /** Sequences containing it, and sequences in the group. */
  occurrences: number;
  sequences: number;
  windowStart: number;
  windowEnd: number;
}

/** Ops kept per sequence: patterns are at most maxLength long, so a longer history adds little. */
const MAX_SEQUENCE_OPS = 32;
const SEP = '\u0001';

/**
 * Frequent operation sequences. Within each window, the ops one group (process or prefix)
 * performs on one file form a sequence (e.g. open → read → read → release). At the end of the
 * window, every contiguous run of minLength..maxLength ops is counted once per sequence; runs
 * whose support and confidence pass the thresholds, seen in at least two sequences, are emitted
 * (closed patterns only: a run is dropped when a longer one with the same count contains it).
 */
export function discoverPatterns(opts: DiscoverPatternsOptions, scheduler: SchedulerLike = asyncScheduler): OperatorFunction<VexEvent, Pattern> {
  const windowUs = opts.windowMs * 1000;
  return (source) => new Observable<Pattern>((subscriber) => {
    const classifier = opts.classifier ?? new Classifier(opts.prefixDepth ?? 2, SKETCH_ACCURACY);
    const dim = DIM_INDEX[opts.dimension];
    let groups = new Map<string, Map<string, string[]>>();
    let sequences = 0;
    let cur = -1;
    let sawEvent = false;

    const close = (): void => {
      const g = groups;
      groups = new Map();
      sequences = 0;
      for (const [group, seqs] of g) for (const p of mine(group, seqs, cur * windowUs, (cur + 1) * windowUs, opts)) subscriber.next(p);
    };

    const tick = scheduler.schedule(function () {
      if (!sawEvent && cur >= 0 && groups.size > 0) { close(); cur++; }
      sawEvent = false;
      this.schedule(undefined, opts.windowMs);
    }, opts.windowMs);

    const sub = source.subscribe({
      next(ev) {
        sawEvent = true;
        const idx = Math.floor(ev.ts / windowUs);
        if (cur < 0) cur = idx;
        else if (idx > cur) { close(); cur = idx; }
        const facts = classifier.classify(ev);
        const group = facts.groups[dim];
        if (group === null || group === undefined) return;
        let seqs = groups.get(group);
        if (seqs === undefined) { seqs = new Map(); groups.set(group, seqs); }
        const path = facts.file;
        let seq = seqs.get(path);
        if (seq === undefined) {
          if (sequences >= opts.maxSequences) return;
          sequences++;
          seq = [];
          seqs.set(path, seq);
        }
        if (seq.length < MAX_SEQUENCE_OPS) seq.push(ev.op);
      },
      error(err) { subscriber.error(err); },
      complete() {
        if (cur >= 0) close();
        subscriber.complete();
      },
    });
    return () => { sub.unsubscribe(); tick.unsubscribe(); };
  });
}

/** The frequent closed patterns of one group's sequences. */
export function mine(group: string, seqs: ReadonlyMap<unknown, string[]>, windowStart: number, windowEnd: number, o: DiscoverPatternsOptions): Pattern[] {
  // Identical sequences are counted once with a weight: typical traffic repeats a few shapes.
  const shapes = new Map<string, { ops: string[]; weight: number }>();
  for (const ops of seqs.values()) {
    const k = ops.join(SEP);
    const s = shapes.get(k);
    if (s) s.weight++; else shapes.set(k, { ops, weight: 1 });
  }
  const total = seqs.size;
  const counts = new Map<string, number>();
  const seen = new Set<string>();
  for (const { ops, weight } of shapes.values()) {
    seen.clear();
    for (let i = 0; i < ops.length; i++) {
      let k = '';
      for (let len = 1; len <= o.maxLength && i + len <= ops.length; len++) {
        k = len === 1 ? ops[i]! : k + SEP + ops[i + len - 1]!;
        if (seen.has(k)) continue;
        seen.add(k);
        counts.set(k, (counts.get(k) ?? 0) + weight);
      }
    }
  }
  const found: { key: string; ops: string[]; n: number; confidence: number }[] = [];
  for (const [key, n] of counts) {
    if (n < 2 || n / total < o.minSupport) continue;
    const cut = key.lastIndexOf(SEP);
    if (cut < 0) continue;
    const ops = key.split(SEP);
    if (ops.length < o.minLength) continue;
    const confidence = n / counts.get(key.slice(0, cut))!;
    if (confidence < o.minConfidence) continue;
    found.push({ key, ops, n, confidence });
  }
  // Closed patterns: drop a run contained in a longer frequent run with the same count.
  const closed = found.filter((a) => !found.some((b) => b.ops.length > a.ops.length && b.n === a.n && (SEP + b.key + SEP).includes(SEP + a.key + SEP)));
  closed.sort((a, b) => b.n - a.n || b.ops.length - a.ops.length || (a.key < b.key ? -1 : 1));
  return closed.slice(0, o.maxPerGroup).map((f) => ({
    dimension: o.dimension, group, sequence: f.ops, support: f.n / total, confidence: f.confidence,
    occurrences: f.n, sequences: total, windowStart, windowEnd,
  }));
}
