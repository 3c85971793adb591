import { ErrorCodes, VexfsError } from '../errors.js';
import { createEventCodec, type EventCodec } from '../events/codec.js';
import { KIND_OF_BRANCH } from '../events/schema.js';
import type { Kind } from '../events/types.js';
import type { LoggedEvent } from '../log/event-log.js';
import { RECORD_STRIDE } from '../audit/container-file.js';
import { newHead, scanHead, type EventHead } from '../audit/event-bytes.js';
import { locationOf, type RecordBatch } from '../audit/verify.js';
import { createHeadDecoder } from './head-decode.js';

/** Something a replay rebuilds: the file catalog, a vector store, ClickHouse tables. */
export interface ReplayTarget {
  readonly name: string;
  /** Applies a batch of events in seq order (may be async: ClickHouse). */
  apply(batch: readonly LoggedEvent[]): void | Promise<void>;
  /** Called once after the last batch (flush a partial ClickHouse batch). */
  finish?(): Promise<void>;
  /** A digest of the rebuilt state, compared with the live one. */
  stateHash?(): string | Promise<string>;
  /**
   * The events this target uses (it ignores the rest): kinds, and per kind the ops (absent: every op).
   * When every target declares it, a replay from raw records (journalRecords) does not decode the
   * others at all. Absent: every event.
   */
  readonly accepts?: { kinds: readonly Kind[]; ops?: Partial<Record<Kind, readonly string[]>> };
}

/** Progress of a replay, reported to `onProgress`. */
export interface ReplayProgress {
  /** events read from the source (after range filtering) */
  events: number;
  /** seq and time (µs) of the last event read */
  seq: number;
  ts: number;
  elapsedMs: number;
  eventsPerSecond: number;
}

/** Options of `replay`. */
export interface ReplayOptions {
  /** Skip events below this seq (journal sources start there already). */
  fromSeq?: number;
  /** Skip events before this time (µs since the epoch). */
  fromTs?: number;
  /** Stop after this seq / time. */
  toSeq?: number;
  toTs?: number;
  /** Only these kinds; default all. */
  kinds?: Kind[];
  /** Read and count, apply nothing; default false. */
  dryRun?: boolean;
  /** Called every `progressEvery` events and at the end. */
  onProgress?: (p: ReplayProgress) => void;
  /** Default 50,000. */
  progressEvery?: number;
  signal?: AbortSignal;
  /** Codec for raw record sources; default the current contract. */
  codec?: EventCodec;
}

/** What a replay did. */
export interface ReplayReport {
  dryRun: boolean;
  events: number;
  byKind: Record<Kind, number>;
  firstSeq: number;
  lastSeq: number;
  firstTs: number;
  lastTs: number;
  elapsedMs: number;
  eventsPerSecond: number;
  /** target name → state hash after the replay (targets that have one; none on a dry run) */
  stateHashes: Record<string, string>;
}

const KNOWN = new Set(['fromSeq', 'fromTs', 'toSeq', 'toTs', 'kinds', 'dryRun', 'onProgress', 'progressEvery', 'signal', 'codec']);

function validate(opts: ReplayOptions): void {
  for (const k of Object.keys(opts)) if (!KNOWN.has(k)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `unknown replay option '${k}'; allowed: ${[...KNOWN].join(', ')}`, { context: { key: k } });
  for (const k of ['fromSeq', 'fromTs', 'toSeq', 'toTs', 'progressEvery'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `replay option ${k} = ${JSON.stringify(v)} must be an integer >= 0`, { context: { key: k, value: v } });
  }
}

/**
 * Replays a source (journal or Kafka range, in seq order) into fresh targets. Pull-based: the
 * next batch is read only after every target applied the previous one. A source of raw records
 * (journalRecords) is read by the event head alone, and only the events some target accepts are
 * decoded (all of them when a target declares no `accepts`; none on a dry run).
 */
export async function replay(source: AsyncIterable<LoggedEvent[] | RecordBatch>, targets: readonly ReplayTarget[], opts: ReplayOptions = {}): Promise<ReplayReport> {
  validate(opts);
  const t0 = performance.now();
  const kinds = opts.kinds ? new Set(opts.kinds) : null;
  const every = opts.progressEvery ?? 50_000;
  const dry = opts.dryRun ?? false;
  const byKind: Record<Kind, number> = { fs: 0, vector: 0, semantic: 0, system: 0 };
  let events = 0; let firstSeq = 0; let lastSeq = 0; let firstTs = 0; let lastTs = 0;
  let next = every;
  const progress = (): ReplayProgress => {
    const elapsedMs = performance.now() - t0;
    return { events, seq: lastSeq, ts: lastTs, elapsedMs, eventsPerSecond: elapsedMs > 0 ? events / (elapsedMs / 1000) : 0 };
  };
  const filtering = kinds !== null || opts.fromSeq !== undefined || opts.fromTs !== undefined || opts.toSeq !== undefined || opts.toTs !== undefined;
  const want = wantedMatcher(targets);
  const decodeHead = createHeadDecoder(opts.codec ?? createEventCodec());
  const h = newHead();
  const pass: HeadPass = {
    h, decodeHead, want: dry ? NONE : want,
    fromSeq: opts.fromSeq ?? -Infinity, toSeq: opts.toSeq ?? Infinity, fromTs: opts.fromTs ?? -Infinity, toTs: opts.toTs ?? Infinity,
    kindMask: kinds ? KIND_OF_BRANCH.reduce((m, k, i) => (kinds.has(k) ? m | (1 << i) : m), 0) : 15,
    n: 0, firstSeq: 0, firstTs: 0, lastSeq: 0, lastTs: 0, prevSeq: 0, prevNode: '', stop: false, byKind: [0, 0, 0, 0],
  };
  outer: for await (const raw of source) {
    if (opts.signal?.aborted) break;
    if (isRecords(raw)) {
      // head-only pass: count and filter every event, decode the ones a target uses
      const out: LoggedEvent[] = [];
      pass.n = 0;
      headPass(raw, pass, out);
      if (pass.n > 0) {
        if (events === 0) { firstSeq = pass.firstSeq; firstTs = pass.firstTs; }
        events += pass.n;
        lastSeq = pass.lastSeq; lastTs = pass.lastTs;
      }
      if (out.length) for (const t of targets) { const r = t.apply(out); if (r) await r; }
      if (opts.onProgress && events >= next) { next = events + every; opts.onProgress(progress()); }
      if (pass.stop) break;
      if (raw.error) {
        const e = raw.error;
        throw new VexfsError(ErrorCodes.AUDIT_FAILED, `cannot replay: ${e.error!.message} (${locationOf(e) ?? ''}); run audit verify`, { context: { location: locationOf(e) } });
      }
      continue;
    }
    let batch: LoggedEvent[] = raw;
    if (filtering) {
      batch = [];
      for (const e of raw) {
        const ev = e.event;
        if ((opts.toSeq !== undefined && ev.seq > opts.toSeq) || (opts.toTs !== undefined && ev.ts > opts.toTs)) { if (batch.length) await applyAll(batch); break outer; }
        if ((opts.fromSeq !== undefined && ev.seq < opts.fromSeq) || (opts.fromTs !== undefined && ev.ts < opts.fromTs) || (kinds && !kinds.has(ev.kind))) continue;
        batch.push(e);
      }
    }
    if (batch.length) await applyAll(batch);
  }
  async function applyAll(batch: LoggedEvent[]): Promise<void> {
    for (const e of batch) byKind[e.event.kind]++;
    if (events === 0) { firstSeq = batch[0]!.event.seq; firstTs = batch[0]!.event.ts; }
    events += batch.length;
    lastSeq = batch[batch.length - 1]!.event.seq; lastTs = batch[batch.length - 1]!.event.ts;
    if (!dry) for (const t of targets) { const r = t.apply(batch); if (r) await r; }
    if (opts.onProgress && events >= next) { next = events + every; opts.onProgress(progress()); }
  }
  for (let i = 0; i < 4; i++) byKind[KIND_OF_BRANCH[i]!] += pass.byKind[i]!;
  const stateHashes: Record<string, string> = {};
  if (!dry) {
    for (const t of targets) await t.finish?.();
    for (const t of targets) if (t.stateHash) stateHashes[t.name] = await t.stateHash();
  }
  const p = progress();
  opts.onProgress?.(p);
  return { dryRun: dry, events, byKind, firstSeq, lastSeq, firstTs, lastTs, elapsedMs: p.elapsedMs, eventsPerSecond: p.eventsPerSecond, stateHashes };
}

function isRecords(x: unknown): x is RecordBatch {
  return (x as RecordBatch).offs instanceof Int32Array;
}

/**
 * From the targets' `accepts`: a test on an event's head bytes (kind branch, op bytes) that is true
 * when some target uses the event; null when a target takes every event.
 */
function wantedMatcher(targets: readonly ReplayTarget[]): ((kind: number, b: Buffer, opStart: number, opEnd: number) => boolean) | null {
  if (targets.length === 0 || targets.some((t) => !t.accepts)) return null;
  // per kind branch: null = no target wants it, 'all' = every op, else the op names' bytes
  const byBranch: (Buffer[] | 'all' | null)[] = KIND_OF_BRANCH.map(() => null);
  for (const t of targets) {
    for (const k of t.accepts!.kinds) {
      const br = KIND_OF_BRANCH.indexOf(k);
      const ops = t.accepts!.ops?.[k];
      if (!ops) { byBranch[br] = 'all'; continue; }
      const cur = byBranch[br];
      if (cur === 'all') continue;
      byBranch[br] = [...(cur ?? []), ...ops.map((o) => Buffer.from(o, 'utf8'))];
    }
  }
  return (kind, b, s, e) => {
    const m = byBranch[kind];
    if (m === null || m === undefined) return false;
    if (m === 'all') return true;
    const len = e - s;
    for (let j = 0; j < m.length; j++) {
      const op = m[j]!;
      if (op.length !== len) continue;
      let same = true;
      for (let q = 0; q < len; q++) if (b[s + q] !== op[q]) { same = false; break; }
      if (same) return true;
    }
    return false;
  };
}

type Want = ((kind: number, b: Buffer, opStart: number, opEnd: number) => boolean) | null;
const NONE: Want = () => false;

/** State of the head-only pass over raw records, kept across batches (a plain loop over locals: it runs for every event). */
interface HeadPass {
  h: EventHead;
  decodeHead: (buf: Buffer, h: EventHead, re: number) => LoggedEvent['event'];
  want: Want;
  fromSeq: number; toSeq: number; fromTs: number; toTs: number;
  /** bit i: kind branch i is replayed */
  kindMask: number;
  /** per batch: events counted, the first/last of them */
  n: number; firstSeq: number; firstTs: number; lastSeq: number; lastTs: number;
  /** across batches: the previous event, for the seq continuity check */
  prevSeq: number; prevNode: string;
  stop: boolean;
  byKind: number[];
}

function headPass(raw: RecordBatch, p: HeadPass, out: LoggedEvent[]): void {
  const { buf, offs, count } = raw;
  const h = p.h;
  const want = p.want;
  const { fromSeq, toSeq, fromTs, toTs, kindMask } = p;
  let n = 0;
  for (let i = 0; i < count; i++) {
    const k = i * RECORD_STRIDE;
    const rs = offs[k + 1]!;
    const re = offs[k + 2]!;
    if (!scanHead(buf, h, rs, re)) throw new VexfsError(ErrorCodes.AUDIT_FAILED, `cannot replay: the record at ${raw.source} offset ${raw.bufAt + offs[k]!} is not a VexFS event; run audit verify`, { context: { location: `${raw.source} offset ${raw.bufAt + offs[k]!}` } });
    const seq = h.seq;
    if (seq !== p.prevSeq + 1 || p.prevSeq === 0) {
      const node = buf.toString('utf8', h.nodeStart, h.nodeEnd);
      if (p.prevSeq !== 0 && node === p.prevNode) throw new VexfsError(ErrorCodes.AUDIT_FAILED, `cannot replay: seq ${seq} of node ${node} follows seq ${p.prevSeq} (${raw.source} offset ${raw.bufAt + offs[k]!}); run audit verify`, { context: { location: `${raw.source} offset ${raw.bufAt + offs[k]!}` } });
      p.prevNode = node;
    }
    p.prevSeq = seq;
    const ts = h.ts;
    if (seq > toSeq || ts > toTs) { p.stop = true; break; }
    if (seq < fromSeq || ts < fromTs || ((kindMask >> h.kind) & 1) === 0) continue;
    p.byKind[h.kind]!++;
    if (n === 0) { p.firstSeq = seq; p.firstTs = ts; }
    n++;
    p.lastSeq = seq; p.lastTs = ts;
    if (want === null || want(h.kind, buf, h.opStart, h.opEnd)) out.push({ event: p.decodeHead(buf, h, re), bytes: buf.subarray(rs, re) });
  }
  p.n = n;
}
