import { ErrorCodes, VexfsError } from '../errors.js';
import type { Kind } from '../events/types.js';
import type { LoggedEvent } from '../log/event-log.js';

/** Something a replay rebuilds: the file catalog, a vector store, ClickHouse tables. */
export interface ReplayTarget {
  readonly name: string;
  /** Applies a batch of events in seq order (may be async: ClickHouse). */
  apply(batch: readonly LoggedEvent[]): void | Promise<void>;
  /** Called once after the last batch (flush a partial ClickHouse batch). */
  finish?(): Promise<void>;
  /** A digest of the rebuilt state, compared with the live one. */
  stateHash?(): string | Promise<string>;
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

const KNOWN = new Set(['fromSeq', 'fromTs', 'toSeq', 'toTs', 'kinds', 'dryRun', 'onProgress', 'progressEvery', 'signal']);

function validate(opts: ReplayOptions): void {
  for (const k of Object.keys(opts)) if (!KNOWN.has(k)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `unknown replay option '${k}'; allowed: ${[...KNOWN].join(', ')}`, { context: { key: k } });
  for (const k of ['fromSeq', 'fromTs', 'toSeq', 'toTs', 'progressEvery'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new VexfsError(ErrorCodes.CONFIG_INVALID, `replay option ${k} = ${JSON.stringify(v)} must be an integer >= 0`, { context: { key: k, value: v } });
  }
}

/**
 * Replays a source (journal or Kafka range, in seq order) into fresh targets. Pull-based: the
 * next batch is read only after every target applied the previous one.
 */
export async function replay(source: AsyncIterable<LoggedEvent[]>, targets: readonly ReplayTarget[], opts: ReplayOptions = {}): Promise<ReplayReport> {
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
  outer: for await (const raw of source) {
    if (opts.signal?.aborted) break;
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
  const stateHashes: Record<string, string> = {};
  if (!dry) {
    for (const t of targets) await t.finish?.();
    for (const t of targets) if (t.stateHash) stateHashes[t.name] = await t.stateHash();
  }
  const p = progress();
  opts.onProgress?.(p);
  return { dryRun: dry, events, byKind, firstSeq, lastSeq, firstTs, lastTs, elapsedMs: p.elapsedMs, eventsPerSecond: p.eventsPerSecond, stateHashes };
}
