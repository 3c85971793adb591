/**
 * The dead-letter port: where a record the pipeline cannot use goes, with the reason, so the
 * pipeline can go on (STYLE.md principle 6). Adapters: a Kafka topic (broker mode,
 * dead-letter-kafka.ts) and a local JSON-lines file (embedded mode, dead-letter-file.ts).
 * Shared with the sinks (a row ClickHouse refuses as bad data is a dead letter too).
 */
export interface DeadLetter {
  /** The stage that refused it: 'decode' (processors), 'sink' (a store refused the row), ... */
  stage: string;
  /** The error code (e.g. VEXFS_AVRO_DECODE, VEXFS_UNKNOWN_SCHEMA). */
  code: string;
  /** Human-readable reason (the error message). */
  reason: string;
  /** Where the record came from: "<topic>:<partition>:<offset>" or "journal:<node>:<seq>". */
  source: string;
  /** The record key, if any. */
  key: Buffer | null;
  /** The record bytes exactly as received (null when there were none). */
  value: Buffer | null;
  /** When it was dead-lettered, ms since the epoch. */
  at: number;
}

/** A dead-letter destination. `send` resolves once the letter is durable (broker ack / fsync). */
export interface DeadLetterPort {
  readonly name: string;
  send(letter: DeadLetter): Promise<void>;
  close(): Promise<void>;
}

/** The Kafka dead-letter topic (prefix "vexfs" → "vexfs.deadletter.v1"). */
export function deadLetterTopic(prefix = 'vexfs'): string {
  return `${prefix}.deadletter.v1`;
}

/** Builds a letter from an error and the record it concerns. */
export function deadLetterOf(stage: string, err: unknown, source: string, key: Buffer | null, value: Buffer | null): DeadLetter {
  const code = (err as { code?: unknown } | null)?.code;
  return { stage, code: typeof code === 'string' ? code : 'UNKNOWN', reason: err instanceof Error ? err.message : String(err), source, key, value, at: Date.now() };
}
