import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { VexEvent } from '../events/types.js';

/** One record a sink gave up on for good, with why. */
export interface DeadLetterEntry {
  event: VexEvent;
  /** Why it was rejected (the store's message, or the encoder's). */
  reason: string;
  /** Which stage rejected it, e.g. 'sink:clickhouse'. */
  stage: string;
  /** Source position token of the batch it came in. */
  position: string;
}

/** Where rejected records go: a journal file when embedded, a Kafka topic in broker mode. */
export interface DeadLetterTarget {
  send(entries: readonly DeadLetterEntry[]): Promise<void>;
}

/** Short label for the `reason` metric label (bounded cardinality). */
export function reasonLabel(reason: string): string {
  const m = /\(([A-Z_]{4,})\)/.exec(reason) ?? /^([A-Za-z]+Error)/.exec(reason);
  return m?.[1] ?? 'rejected';
}

/** JSON-lines file dead letter (one line per entry; buffers as hex). The embedded default. */
export function fileDeadLetter(path: string): DeadLetterTarget {
  let dirDone = false;
  return {
    async send(entries) {
      if (entries.length === 0) return;
      if (!dirDone) { await mkdir(dirname(path), { recursive: true }); dirDone = true; }
      const lines = entries.map((e) => JSON.stringify({ at: new Date().toISOString(), stage: e.stage, position: e.position, reason: e.reason, event: e.event },
        (_k, v) => (v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('hex') : v)) + '\n');
      await appendFile(path, lines.join(''));
    },
  };
}
