import type { VexEvent } from '../events/types.js';

/** Where a batch came from, for deduplication tokens and commits. */
export interface SourcePosition {
  /** journal: seq range; kafka: topic/partition/offset ranges. */
  kind: 'journal' | 'kafka';
  /** Stable text identifying exactly this batch's source range, e.g. "journal:n1:101-200" or "vexfs.fs.v1:2:500-599". */
  token: string;
}

/** A batch the bridge hands to a sink: events of one lane, and their source position. */
export interface Batch {
  lane: 'critical' | 'normal' | 'bulk';
  events: VexEvent[];
  position: SourcePosition;
}

/**
 * The Sink port: `write` resolves only after the store acknowledged the whole batch
 * (the runner commits its source position after that). A retried batch with the same
 * position token must not double rows.
 */
export interface Sink {
  readonly name: string;
  /**
   * How many write() calls may be outstanding at once (default 1). A sink that says more
   * applies the batches in call order, and rejects a write queued behind a failed one
   * without applying it (retriable), so the caller re-sends them in order: the bridge then
   * hands it batch N+1 while batch N is still being written (the ClickHouse sink encodes
   * N+1 while the store inserts N). Each write still resolves only once its own batch is
   * acknowledged.
   */
  readonly maxInFlight?: number;
  write(batch: Batch): Promise<void>;
  healthcheck(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}
