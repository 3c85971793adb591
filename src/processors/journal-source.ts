import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCodes, VexfsError } from '../errors.js';
import type { VexEvent } from '../events/types.js';
import type { EventLog } from '../log/event-log.js';
import { deadLetterOf, type DeadLetterPort } from './dead-letter.js';
import { metrics } from '../metrics/registry.js';
import type { Pipeline } from './pipeline.js';
import { unprocessable } from './pipeline.js';
import { SourceEntry } from './source-entry.js';

/** The durable position of a journal reader: the last seq whose events (and results) the sink acknowledged. */
export interface JournalCheckpoint { seq: number; node: string; at: string }

/** Reads a checkpoint file; seq 0 when it does not exist. */
export async function readCheckpoint(path: string): Promise<JournalCheckpoint> {
  try {
    const o = JSON.parse(await readFile(path, 'utf8')) as JournalCheckpoint;
    if (!Number.isSafeInteger(o.seq) || o.seq < 0) throw new Error(`seq ${String(o.seq)} is not a non-negative integer`);
    return o;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { seq: 0, node: '', at: '' };
    throw new VexfsError(ErrorCodes.CONFIG_INVALID, `checkpoint file ${path} is unreadable: ${(err as Error).message}`, { context: { path }, cause: err });
  }
}

/** Writes a checkpoint durably: temp file, fsync, rename over the old one. */
export async function writeCheckpoint(path: string, cp: JournalCheckpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try { await fh.writeFile(JSON.stringify(cp) + '\n'); await fh.sync(); } finally { await fh.close(); }
  await rename(tmp, path);
}

/**
 * Runs the journal cursor: reads the log from the checkpoint on, feeds the pipeline, and moves
 * the checkpoint over each read batch once the batch is settled (everything acknowledged), in
 * order. The checkpoint file is written at most every `checkpointMs` and at the end.
 */
export async function runJournalSource(o: {
  log: EventLog; checkpointPath: string; follow: boolean; batchSize: number; checkpointMs: number;
  pipeline: Pipeline; deadLetters: DeadLetterPort; signal: AbortSignal; onCommit: (seq: number) => void;
}): Promise<void> {
  const start = await readCheckpoint(o.checkpointPath);
  let committed = start.seq;
  let node = start.node;
  let written = committed;
  let writing: Promise<void> = Promise.resolve();
  let lastWrite = 0;
  const queue: SourceEntry[] = [];
  let trailing: NodeJS.Timeout | null = null;
  const persist = (force: boolean): Promise<void> => {
    if (committed === written) return writing;
    const wait = o.checkpointMs - (performance.now() - lastWrite);
    if (!force && wait > 0) {
      // Rate-limited: make sure the latest position is still written once the interval has passed.
      trailing ??= setTimeout(() => { trailing = null; void persist(false).catch(() => {}); }, wait);
      return writing;
    }
    if (trailing) { clearTimeout(trailing); trailing = null; }
    lastWrite = performance.now();
    const cp = { seq: committed, node, at: new Date().toISOString() };
    written = committed;
    writing = writing.then(() => writeCheckpoint(o.checkpointPath, cp));
    return writing;
  };
  const advance = (): void => {
    while (queue.length && queue[0]!.settledFlag) committed = queue.shift()!.last;
    o.onCommit(committed);
    void persist(false).catch(() => {});
  };
  for await (const batch of o.log.read({ from: committed + 1, follow: o.follow, signal: o.signal, batchSize: o.batchSize })) {
    if (batch.length === 0) continue;
    const firstEv = batch[0]!.event;
    node ||= firstEv.node;
    const entry = new SourceEntry('journal', `journal:${firstEv.node}`, firstEv.seq, batch[batch.length - 1]!.event.seq);
    queue.push(entry);
    const events: VexEvent[] = [];
    const seqs: number[] = [];
    for (const l of batch) {
      const why = unprocessable(l.event);
      if (why) {
        await o.deadLetters.send(deadLetterOf('decode', new VexfsError(ErrorCodes.EVENT_INVALID, why), `journal:${l.event.node}:${l.event.seq}`, Buffer.from(String(l.event.key ?? '')), l.bytes));
        metrics.deadLetters.inc({ stage: 'decode', reason: ErrorCodes.EVENT_INVALID });
        continue;
      }
      events.push(l.event); seqs.push(l.event.seq);
    }
    await o.pipeline.feed(entry, events, seqs);
    entry.seal();
    void entry.settled.then(advance);
    if (o.signal.aborted) break;
  }
  await Promise.all(queue.map((e) => e.settled));
  advance();
  await persist(true);
}
