import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, VexfsError } from '../../errors.js';

/** File in the journal directory holding the highest seq Kafka acknowledged. */
export const SHIPPED_FILE = 'shipped.json';

/** Reads the shipped position (0 when the file does not exist). */
export function readShippedSeq(dir: string): number {
  let text: string;
  try { text = readFileSync(join(dir, SHIPPED_FILE), 'utf8'); } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let seq: unknown;
  try { seq = (JSON.parse(text) as { seq?: unknown }).seq; } catch { seq = undefined; }
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 0) {
    throw new VexfsError(ErrorCodes.JOURNAL_CORRUPT, `${join(dir, SHIPPED_FILE)} at byte 0: not a shipped position ({"seq": n}); delete it to re-ship everything (consumers drop duplicates by event id)`, { context: { file: join(dir, SHIPPED_FILE), offset: 0 } });
  }
  return seq;
}

/**
 * Records the shipped position durably: write a temp file, fsync it, rename it over the old one,
 * fsync the directory. A crash leaves either the old or the new position, never a torn one.
 * Asynchronous (libuv thread pool) so the fsyncs never stall the event loop that serves producers.
 */
export async function writeShippedSeq(dir: string, seq: number): Promise<void> {
  const tmp = join(dir, `${SHIPPED_FILE}.tmp`);
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify({ seq, at: new Date().toISOString() }) + '\n');
    await fh.datasync();
  } finally { await fh.close(); }
  await rename(tmp, join(dir, SHIPPED_FILE));
  const dh = await open(dir, 'r');
  try { await dh.sync(); } finally { await dh.close(); }
}
