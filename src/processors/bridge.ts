import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { isRetriable } from '../errors.js';
import type { Priority, VexEvent } from '../events/types.js';
import { metrics } from '../metrics/registry.js';
import type { Batch, Sink } from '../sinks/sink.js';
import type { SourceEntry } from './source-entry.js';

/** Options of the bridge. */
export interface BridgeOptions {
  sink: Sink;
  /** Events per batch (seed 000: 100). */
  batchSize: number;
  /** Most events per sink write: chunks queued behind a write in flight go together in the next one (default batchSize). */
  maxBatch?: number;
  /** A non-empty lane is flushed at the latest this long after its oldest event arrived (seed 000: 10 ms). */
  flushMs: number;
  /** Events a lane may hold, queued plus being written, before `hasRoom()` turns false. */
  laneCapacity: number;
  scheduler?: SchedulerLike;
  /** Called once with a sink error that is not retriable; the bridge stops writing. */
  onFatal?: (err: unknown) => void;
  /** Writes in flight per lane, at most the sink's `maxInFlight` (default: the sink's, 1 if it gives none). */
  maxInFlight?: number;
  /** Retry delays for retriable sink errors: base·2^n with jitter, capped; default 100 ms / 5 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

/** The lanes, highest priority first. */
export const LANES: readonly Priority[] = ['critical', 'normal', 'bulk'];

/** Up to batchSize queued events with their source entries and offsets (a lane queues chunks, so taking a batch is O(1)). */
interface Chunk { events: VexEvent[]; entries: SourceEntry[]; offsets: Float64Array; n: number }

/** A batch handed to the sink and not yet released; `done` resolves when the sink acknowledged it. */
interface Flight { batch: Batch; entries: SourceEntry[]; acked: boolean; done: Promise<void>; ack: () => void }

class Lane {
  chunks: Chunk[] = [];
  queued = 0;
  writing = 0;
  /** Writes handed to the sink, oldest first; released in this order. */
  flights: Flight[] = [];
  oldestAt = 0;
  timer: Subscription | null = null;
  lastRange = '';
  rangeRepeat = 0;
  constructor(readonly name: Priority) {}
  get size(): number { return this.queued + this.writing; }
}

/**
 * The cross-layer bridge (seed 000): three priority lanes (critical: anomalies and system
 * events; normal: fs and vector; bulk: window statistics and patterns), batches of
 * `batchSize` flushed on size or after `flushMs`. The order of a lane — and so of every key,
 * whose events always take the same lane — is preserved: one write in flight per lane, or up
 * to the sink's `maxInFlight` for a sink that applies writes in call order (a second write
 * starts only with a full `maxBatch`, so under light load batches still coalesce); a retry
 * waits until every earlier write of its lane is acknowledged, and source entries are released
 * in lane order.
 * Lanes are bounded: a source checks `hasRoom()` and awaits `waitForRoom()` before pushing, so
 * memory stays bounded by laneCapacity plus the results of one event. A retriable sink error is
 * retried with backoff (the lane stalls, the source then pauses); another error is fatal.
 */
export class Bridge {
  private readonly lanes = new Map<Priority, Lane>(LANES.map((l) => [l, new Lane(l)]));
  private readonly byName: Record<Priority, Lane> = { critical: this.lanes.get('critical')!, normal: this.lanes.get('normal')!, bulk: this.lanes.get('bulk')! };
  /** Lanes at or over capacity (kept on push and acknowledgement, so hasRoom() is O(1)). */
  private fullLanes = 0;
  private readonly scheduler: SchedulerLike;
  private waiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  private failed: unknown = null;
  private closed = false;
  /** Events acknowledged by the sink, per lane. */
  readonly acked: Record<Priority, number> = { critical: 0, normal: 0, bulk: 0 };

  private readonly depth: number;

  constructor(private readonly o: BridgeOptions) {
    this.scheduler = o.scheduler ?? asyncScheduler;
    const sinkDepth = Math.max(1, Math.floor(o.sink.maxInFlight ?? 1));
    this.depth = Math.max(1, Math.min(sinkDepth, Math.floor(o.maxInFlight ?? sinkDepth)));
  }

  /** True while every lane is below its capacity. */
  hasRoom(): boolean {
    return this.fullLanes === 0;
  }

  private recount(): void {
    let n = 0;
    for (const l of this.lanes.values()) if (l.size >= this.o.laneCapacity) n++;
    this.fullLanes = n;
  }

  /** Resolves when every lane is below capacity again (rejects if the bridge failed). */
  waitForRoom(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push(() => (this.failed ? reject(this.failed) : resolve())));
  }

  /** Queues one event on `lane`; `entry` is released when the sink acknowledged it. */
  push(lane: Priority, ev: VexEvent, entry: SourceEntry, offset: number): void {
    const l = this.byName[lane];
    if (l.queued === 0) {
      l.oldestAt = performance.now();
      if (l.writing === 0) l.timer = this.scheduler.schedule(() => { l.timer = null; this.flush(l); }, this.o.flushMs);
    }
    const size = this.o.batchSize;
    let c = l.chunks[l.chunks.length - 1];
    if (c === undefined || c.n >= size) { c = { events: new Array(size), entries: new Array(size), offsets: new Float64Array(size), n: 0 }; l.chunks.push(c); }
    const i = c.n++;
    c.events[i] = ev; c.entries[i] = entry; c.offsets[i] = offset;
    l.queued++;
    if (l.queued + l.writing === this.o.laneCapacity) this.fullLanes++;
    entry.pending++;
    if (c.n >= size) this.flush(l);
  }

  /** Flushes every lane now and resolves once nothing is queued or being written. */
  drain(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    for (const l of this.lanes.values()) this.flush(l);
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve, reject) => this.idleWaiters.push(() => (this.failed ? reject(this.failed) : resolve())));
  }

  /** Stops retrying and timers (pending writes are abandoned; their entries never settle). */
  close(): void {
    this.closed = true;
    for (const l of this.lanes.values()) l.timer?.unsubscribe();
  }

  private idle(): boolean {
    for (const l of this.lanes.values()) if (l.size > 0) return false;
    return true;
  }

  private flush(l: Lane): void {
    if (l.queued === 0 || this.failed || this.closed) return;
    const max = this.o.maxBatch ?? this.o.batchSize;
    // Another write alongside those in flight only with a full batch; a smaller one waits and grows.
    if (l.flights.length >= this.depth || (l.flights.length > 0 && l.queued < max)) return;
    l.timer?.unsubscribe(); l.timer = null;
    let { events, entries, offsets, n } = l.chunks.shift()!;
    if (n < events.length) { events.length = n; entries.length = n; }
    // Adaptive batching: chunks that queued up while the previous write was in flight go together.
    if (l.chunks.length > 0 && n + l.chunks[0]!.n <= max) {
      const evs = events, ens = entries, offs: number[] = Array.from(offsets.subarray(0, n));
      while (l.chunks.length > 0 && n + l.chunks[0]!.n <= max) {
        const c = l.chunks.shift()!;
        for (let i = 0; i < c.n; i++) { evs.push(c.events[i]!); ens.push(c.entries[i]!); offs.push(c.offsets[i]!); }
        n += c.n;
      }
      offsets = Float64Array.from(offs);
    }
    l.queued -= n;
    l.writing += n;
    metrics.bridgeQueued.set({ lane: l.name }, l.size);
    metrics.bridgeLatency.observe({ lane: l.name }, (performance.now() - l.oldestAt) / 1000);
    l.oldestAt = performance.now();
    const batch: Batch = { lane: l.name, events, position: { kind: entries[0]!.kind, token: this.token(l, entries, offsets) } };
    let ack!: () => void;
    const flight: Flight = { batch, entries, acked: false, done: new Promise<void>((r) => { ack = r; }), ack: () => ack() };
    l.flights.push(flight);
    void this.write(l, flight);
    // A pipelining sink takes the next full batch at once.
    if (l.flights.length < this.depth) this.flush(l);
  }

  private async write(l: Lane, f: Flight): Promise<void> {
    const { batch } = f;
    for (let attempt = 0; ; attempt++) {
      try {
        // A retry goes only after every earlier write of the lane is acknowledged (batches stay in order).
        if (attempt > 0) {
          const i = l.flights.indexOf(f);
          if (i > 0) await Promise.all(l.flights.slice(0, i).map((e) => e.done));
          if (this.closed || this.failed) return;
        }
        await this.o.sink.write(batch);
        break;
      } catch (err) {
        if (this.closed) return;
        if (!isRetriable(err)) { this.fail(err); return; }
        metrics.sinkErrors.inc({ retriable: 'true' });
        const cap = Math.min(this.o.retryMaxMs ?? 5000, (this.o.retryBaseMs ?? 100) * 2 ** attempt);
        await new Promise((r) => setTimeout(r, cap / 2 + Math.random() * cap / 2));
      }
    }
    f.acked = true;
    f.ack();
    // Release in lane order: a write acknowledged before an earlier one waits for it.
    while (l.flights.length > 0 && l.flights[0]!.acked) {
      const { batch: b, entries } = l.flights.shift()!;
      l.writing -= b.events.length;
      this.acked[l.name] += b.events.length;
      // Release per entry in runs: a batch usually holds one or two source ranges.
      let run = 1;
      for (let i = 1; i <= entries.length; i++) {
        if (i < entries.length && entries[i] === entries[i - 1]) { run++; continue; }
        entries[i - 1]!.release(run);
        run = 1;
      }
    }
    this.recount();
    metrics.bridgeQueued.set({ lane: l.name }, l.size);
    if (l.queued > 0) this.flush(l);
    this.wake();
  }

  private token(l: Lane, entries: SourceEntry[], offsets: Float64Array): string {
    const ranges = new Map<string, [number, number]>();
    for (let i = 0; i < entries.length; i++) {
      const s = entries[i]!.stream, o = offsets[i]!;
      const r = ranges.get(s);
      if (!r) ranges.set(s, [o, o]); else { if (o < r[0]) r[0] = o; if (o > r[1]) r[1] = o; }
    }
    const range = [...ranges].map(([s, [a, b]]) => `${s}:${a}-${b}`).join(',');
    if (l.name === 'normal') return range;
    // Derived results of one source range may fill several batches: number them.
    l.rangeRepeat = range === l.lastRange ? l.rangeRepeat + 1 : 0;
    l.lastRange = range;
    return `${range}@${l.name}#${l.rangeRepeat}`;
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = err;
    metrics.sinkErrors.inc({ retriable: 'false' });
    this.o.onFatal?.(err);
    this.wake();
  }

  private wake(): void {
    if (this.waiters.length && (this.failed || this.hasRoom())) { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
    if (this.idleWaiters.length && (this.failed || this.idle())) { const w = this.idleWaiters; this.idleWaiters = []; for (const f of w) f(); }
  }
}
