import type { VexEvent } from '../events/types.js';

/** One event as the log stores it: the decoded envelope and its Avro binary body. */
export interface LoggedEvent {
  event: VexEvent;
  /** Avro binary encoding of the envelope (the hashed bytes plus the hash). */
  bytes: Buffer;
}

/** Where a reader starts. */
export interface ReadOptions {
  /** First seq to return (inclusive); default 1. */
  from?: number;
  /** Keep waiting for new events after the end instead of finishing; default false. */
  follow?: boolean;
  /** Stops a following read. */
  signal?: AbortSignal;
  /** Most events per yielded batch; default 1000. */
  batchSize?: number;
}

/**
 * The EventLog port: an append-only, per-node ordered log of encoded events.
 * Adapters: journal (local segment files, the default and the outbox) and kafka.
 * Reads are pulled: nothing is read until the consumer asks, so a slow reader slows
 * the read instead of filling memory.
 */
export interface EventLog {
  readonly name: string;
  /** Last seq and hash in the log (0 and 32 zero bytes when empty): where the emitter continues. */
  tail(): { seq: number; hash: Buffer };
  /**
   * Appends one event. `bytes` is only valid during the call (a pooled buffer): adapters copy
   * what they keep. The journal returns after the bytes reached the OS (write(2)), unless `defer`.
   */
  append(event: VexEvent, bytes: Buffer, defer?: boolean): void;
  /**
   * With `defer`, an adapter may return before the bytes reached the OS (the journal with
   * groupWrites stages them for one write(2) per event-loop turn); such a caller acknowledges
   * only after `written()`. Resolves once every event appended before the call was written; null
   * when nothing is pending (also for adapters that never defer).
   */
  written?(): Promise<void> | null;
  /** Resolves once everything appended before the call is durable (fsync, or broker ack). */
  flush(): Promise<void>;
  /** True when every append must be followed by `flush()` before acknowledging (fsync policy strict). */
  readonly strict: boolean;
  /** Pulls stored events in seq order, in batches. */
  read(opts?: ReadOptions): AsyncIterable<LoggedEvent[]>;
  /** Flushes and releases files/connections. Idempotent. */
  close(): Promise<void>;
}
