import { open, type FileHandle } from 'node:fs/promises';
import { ErrorCodes, VexfsError } from '../../errors.js';
import type { EventCodec } from '../../events/codec.js';
import type { LoggedEvent, ReadOptions } from '../event-log.js';
import { newBlockScan, parseHeader, scanBlock } from './container.js';
import type { SegmentFile } from './segment.js';

/** What a reader needs from the journal it reads (an open Journal, or the bare directory). */
export interface ReaderSource {
  /** Segment files in seq order (re-listed when the reader runs out of data). */
  segments(): SegmentFile[];
  /** Bytes of `path` known to be complete, or null to trust the file size (another process writes). */
  readableEnd(path: string): number | null;
  /** Resolves when new data may exist (an append, or a poll interval) or the signal aborts. */
  wait(signal?: AbortSignal): Promise<void>;
  /** True once the source closed: a following reader finishes. */
  closed(): boolean;
}

const CHUNK = 1 << 20;

function corrupt(path: string, offset: number, reason: string): VexfsError {
  return new VexfsError(ErrorCodes.JOURNAL_CORRUPT, `journal segment ${path} is damaged at byte ${offset}: ${reason} (see docs/event-log.md "Repairing a journal")`, { context: { file: path, offset } });
}

/**
 * Reads events from seq `from` on, in order and in batches, optionally following new appends.
 * Pull-based: a file is read only when the consumer asks for the next batch. Each batch's
 * `bytes` are views of freshly read chunks, so they stay valid after the next batch.
 */
export async function* readSegments(src: ReaderSource, codec: EventCodec, ro: ReadOptions = {}): AsyncGenerator<LoggedEvent[]> {
  const from = ro.from ?? 1;
  const batchSize = ro.batchSize ?? 1000;
  if (!Number.isInteger(from) || from < 1) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `read option from = ${from} is invalid: expected an integer >= 1`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new VexfsError(ErrorCodes.INVALID_ARGUMENT, `read option batchSize = ${batchSize} is invalid: expected an integer >= 1`);
  const scan = newBlockScan();
  let expect = 0; // next seq expected (0 until the first event is seen)
  let batch: LoggedEvent[] = [];
  let seg: SegmentFile | undefined;
  let fh: FileHandle | undefined;
  let buf = Buffer.alloc(0);
  let bufAt = 0; // file offset of buf[0]
  let pos = 0; // file offset of the next block
  let sync: Buffer | null = null;
  let needMore = true;

  const pickFirst = (list: SegmentFile[]): SegmentFile | undefined => {
    let pick: SegmentFile | undefined;
    for (const s of list) if (s.firstSeq <= from) pick = s;
    return pick ?? list[0];
  };

  try {
    for (;;) {
      if (ro.signal?.aborted) return;
      const list = src.segments();
      if (!seg) {
        seg = pickFirst(list);
        if (seg) {
          try { fh = await open(seg.path, 'r'); } catch (err) {
            // retention deleted it between the listing and the open: list again
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') { seg = undefined; continue; }
            throw err;
          }
        }
        if (!seg) {
          if (batch.length) { yield batch; batch = []; }
          if (!ro.follow || src.closed()) return;
          await src.wait(ro.signal);
          continue;
        }
        buf = Buffer.alloc(0); bufAt = 0; pos = 0; sync = null; needMore = true;
      }
      const known = src.readableEnd(seg.path);
      const end = known ?? (await fh!.stat()).size;
      const have = bufAt + buf.length;
      // read more only when the buffered bytes are used up (or end inside a block)
      if (needMore && have < end) {
        const rest = buf.subarray(pos - bufAt);
        const want = Math.min(end - have, Math.max(CHUNK, rest.length * 2));
        const next = Buffer.allocUnsafe(rest.length + want);
        rest.copy(next, 0);
        const { bytesRead } = await fh!.read(next, rest.length, want, have);
        buf = next.subarray(0, rest.length + bytesRead); bufAt = pos;
      }
      needMore = false;
      const limit = Math.min(buf.length, end - bufAt);
      if (!sync) {
        const h = parseHeader(buf, limit);
        if (!h.ok) {
          needMore = true;
          if (!h.truncated) throw corrupt(seg.path, 0, h.reason);
          // header not complete yet: only possible for a segment being created by another process
          if (list[list.length - 1] !== seg) throw corrupt(seg.path, 0, h.reason);
          if (batch.length) { yield batch; batch = []; }
          if (!ro.follow || src.closed()) return;
          await src.wait(ro.signal);
          continue;
        }
        sync = h.sync; pos = h.end;
      }
      let progressed = false;
      while (batch.length < batchSize) {
        const at = pos - bufAt;
        if (at >= limit) { needMore = true; break; }
        scanBlock(buf, at, limit, sync, scan);
        if (scan.status === 'incomplete') { needMore = true; break; }
        if (scan.status === 'bad') throw corrupt(seg.path, pos, scan.reason);
        if (expect !== 0 && scan.seq !== expect) throw corrupt(seg.path, pos, `seq ${scan.seq} where ${expect} was expected`);
        expect = scan.seq + 1;
        pos = bufAt + scan.end;
        progressed = true;
        if (scan.seq < from) continue;
        const bytes = buf.subarray(scan.bodyStart, scan.bodyEnd);
        let event;
        let end: number;
        try { ({ event, end } = codec.decode(bytes)); } catch (err) { throw corrupt(seg.path, pos, (err as Error).message); }
        // a body that decodes short of its block length was damaged in place (e.g. zeroed fields)
        if (end !== bytes.length) throw corrupt(seg.path, pos, `event seq ${scan.seq} decodes to ${end} of its ${bytes.length} bytes`);
        batch.push({ event, bytes });
      }
      if (batch.length >= batchSize) { yield batch; batch = []; continue; }
      if (progressed || (needMore && bufAt + buf.length < end)) continue;
      // this segment has nothing more right now
      const idx = list.findIndex((s) => s.path === seg!.path);
      const nextSeg = idx >= 0 ? list[idx + 1] : list.find((s) => s.firstSeq > seg!.firstSeq);
      if (nextSeg) {
        if (pos < end) throw corrupt(seg.path, pos, 'incomplete block before the next segment');
        await fh!.close(); fh = undefined;
        seg = nextSeg;
        fh = await open(seg.path, 'r');
        buf = Buffer.alloc(0); bufAt = 0; pos = 0; sync = null; needMore = true;
        continue;
      }
      if (batch.length) { yield batch; batch = []; }
      if (!ro.follow || src.closed()) return;
      await src.wait(ro.signal);
    }
  } finally {
    await fh?.close().catch(() => {});
  }
}
