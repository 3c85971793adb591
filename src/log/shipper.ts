import { createEventCodec, type EventCodec } from '../events/codec.js';
import { metrics } from '../metrics/registry.js';
import type { Journal } from './journal/index.js';
import { configError, intOption, stderrLog } from './journal/options.js';
import { createBackoff, trackAvailability, type BackoffOptions } from './kafka/backoff.js';
import { resolveKafkaOptions, type KafkaOptions, type ResolvedKafkaOptions } from './kafka/options.js';
import { connectSender, type EventSender } from './kafka/producer.js';

/** Options of the shipper: the Kafka options plus what to ship and how. */
export interface ShipperOptions extends KafkaOptions {
  /** The journal to ship (its shipped.json says where to resume). Required. */
  journal: Journal;
  /** Events per produce request (default 1000). */
  batchSize?: number;
  /** Retry delays while Kafka is down (default 100 ms doubling to 10 s, ±20 % jitter). */
  backoff?: BackoffOptions;
  /** How often vexfs_journal_unshipped_events is refreshed while nothing is shipped, in ms (default 1000). */
  gaugeIntervalMs?: number;
}

/** A running shipper. */
export interface Shipper {
  /** Highest seq Kafka acknowledged in this process (recorded in shipped.json shortly after). */
  readonly ackedSeq: number;
  /** Events in the journal Kafka has not acknowledged. */
  readonly unshipped: number;
  /** True while the last attempt to reach Kafka failed. */
  readonly brokerDown: boolean;
  /** Resolves once every event appended before the call is acknowledged and recorded; rejects after `timeoutMs` (default 30000). */
  drain(timeoutMs?: number): Promise<void>;
  /** Stops after the batch in flight; the position of everything acknowledged is recorded. Idempotent. */
  stop(): Promise<void>;
}

const EXTRA_KEYS = ['journal', 'batchSize', 'backoff', 'gaugeIntervalMs'];

/**
 * Starts moving journal events to Kafka in batches, in seq order, from the recorded shipped
 * position on. Returns at once: a broker that is down at start is retried like one that goes
 * down later (one log line per transition, exponential backoff with jitter). Producers are
 * never blocked: the journal simply grows and vexfs_journal_unshipped_events rises.
 *
 * Duplicates: the position is recorded after Kafka acknowledged a batch. A process that dies
 * between the ack and the record re-sends that batch (at most the batches acknowledged since the
 * last completed record) on restart; a send that timed out but was in fact written is re-sent
 * too. Consumers drop them by event id (or node + seq).
 */
export function createShipper(opts: ShipperOptions, codec: EventCodec = createEventCodec()): Shipper {
  const journal = opts?.journal;
  if (!journal || typeof journal.read !== 'function' || typeof journal.recordShipped !== 'function') throw configError('shipper', 'journal', journal && '(not a journal)', 'an open Journal (openJournal)');
  const { journal: _j, batchSize: _b, backoff: _bo, gaugeIntervalMs: _g, ...kafkaOpts } = opts;
  const o: ResolvedKafkaOptions = resolveKafkaOptions({ ...kafkaOpts, log: opts.log ?? stderrLog('shipper') }, 'shipper', EXTRA_KEYS);
  const batchSize = intOption('shipper', 'batchSize', opts.batchSize, 1000, 1, 100_000);
  const gaugeMs = intOption('shipper', 'gaugeIntervalMs', opts.gaugeIntervalMs, 1000, 10, 600_000);
  const backoff = createBackoff(opts.backoff);
  const broker = trackAvailability(o.log, `Kafka at ${o.brokers.join(',')}`);
  const ac = new AbortController();
  let acked = journal.shippedSeq;
  let recorded = journal.shippedSeq;
  let recording: Promise<void> | null = null;
  let sender: EventSender | null = null;
  const drainers = new Set<() => void>();

  const unshipped = () => Math.max(0, journal.tail().seq - acked);
  const refreshGauge = () => metrics.journalUnshipped.set(unshipped());
  const gauge = setInterval(refreshGauge, gaugeMs);
  gauge.unref();
  refreshGauge();

  const sleep = (ms: number) => new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); ac.signal.removeEventListener('abort', done); resolve(); }
    ac.signal.addEventListener('abort', done, { once: true });
  });

  // Records the newest acked seq; coalesces while a record is in flight so fsyncs never queue up.
  function record(): void {
    if (recording || recorded >= acked) return;
    const seq = acked;
    recording = journal.recordShipped(seq).then(
      () => { recorded = seq; },
      (err) => { o.log.warn(`could not record shipped position ${seq} in ${journal.dir}: ${(err as Error).message}; a restart will re-send from ${recorded + 1}`); },
    ).finally(() => {
      recording = null;
      for (const d of [...drainers]) d();
      if (!ac.signal.aborted) record();
    });
  }

  async function sendWithRetry(batch: Parameters<EventSender['send']>[0]): Promise<boolean> {
    for (;;) {
      if (ac.signal.aborted) return false;
      try {
        sender ??= await connectSender(o, codec);
        await sender.send(batch);
        broker.up();
        backoff.reset();
        return true;
      } catch (err) {
        metrics.shipperErrors.inc();
        broker.down(err);
        const s = sender;
        sender = null;
        // a fresh producer after a failure: the old producer id/sequence state may be stale
        await s?.close().catch(() => {});
        await sleep(backoff.next());
      }
    }
  }

  const done = (async () => {
    try {
      const batches = journal.read({ from: acked + 1, follow: true, signal: ac.signal, batchSize })[Symbol.asyncIterator]();
      // one batch of lookahead: the journal is read and decoded while the previous batch is in flight
      for (let next = batches.next(); ;) {
        const r = await next;
        if (r.done) break;
        next = batches.next();
        next.catch(() => {}); // awaited on the next turn; marked handled in case we stop first
        const batch = r.value;
        if (!(await sendWithRetry(batch))) { await batches.return?.(undefined); break; }
        acked = batch[batch.length - 1]!.event.seq;
        refreshGauge();
        record();
      }
    } catch (err) {
      o.log.warn(`shipper stopped: ${(err as Error).message}`);
      throw err;
    } finally {
      clearInterval(gauge);
      await (sender as EventSender | null)?.close().catch(() => {});
      while (recording) await recording;
      record();
      while (recording) await recording;
      for (const d of [...drainers]) d();
    }
  })();
  done.catch(() => {});

  return {
    get ackedSeq() { return acked; },
    get unshipped() { return unshipped(); },
    get brokerDown() { return broker.isDown; },
    drain(timeoutMs = 30_000) {
      const target = journal.tail().seq;
      if (recorded >= target) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => { drainers.delete(check); reject(new Error(`shipper drain: seq ${target} not shipped after ${timeoutMs} ms (acked ${acked}, recorded ${recorded})`)); }, timeoutMs);
        function check() { if (recorded >= target) { clearTimeout(t); drainers.delete(check); resolve(); } }
        drainers.add(check);
      });
    },
    async stop() {
      ac.abort();
      await done.catch(() => {});
      refreshGauge();
    },
  };
}
